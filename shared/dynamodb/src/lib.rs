//! DynamoDB adapter of the [`Store`] port.
//!
//! Every item lives in one table:
//!
//! | attribute | type | holds |
//! |---|---|---|
//! | `pk`, `sk` | S | the table key |
//! | `gsi1pk`, `gsi1sk` | S | the secondary-index key, only on indexed items (sparse index `gsi1`, projection ALL) |
//! | `version` | N | the item's version, checked by conditional writes |
//! | `expires_at` | N | the TTL attribute, only when the item expires |
//! | `data` | S | the item's JSON document, as text |
//!
//! The mapping is deliberately thin: the port was shaped after DynamoDB, so
//! each port operation is one DynamoDB call.

use async_trait::async_trait;
use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::client::Waiters;
use aws_sdk_dynamodb::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
use aws_sdk_dynamodb::types::{
    AttributeDefinition, AttributeValue, BillingMode, ConditionCheck, Delete, GlobalSecondaryIndex,
    KeySchemaElement, KeyType, Projection, ProjectionType, Put, ScalarAttributeType, TimeToLiveSpecification,
    TransactWriteItem, Update,
};
use gru_ports::store::{
    Condition, Cursor, CursorPosition, Index, Item, Key, Page, Query, SortKeyCondition, Store, StoreError,
    TransactOp, check_item, check_transaction,
};
use std::collections::HashMap;
use std::time::Duration;

/// Name of the secondary index.
pub const GSI1: &str = "gsi1";

const PK: &str = "pk";
const SK: &str = "sk";
const GSI1_PK: &str = "gsi1pk";
const GSI1_SK: &str = "gsi1sk";
const VERSION: &str = "version";
const EXPIRES_AT: &str = "expires_at";
const DATA: &str = "data";
/// The prefix of a counter's attribute (`TransactOp::Add`): `c:received`.
const COUNTER: &str = "c:";

/// How long [`create_table`] waits for a new table to become active.
const TABLE_ACTIVE_TIMEOUT: Duration = Duration::from_secs(120);

type Attributes = HashMap<String, AttributeValue>;

/// The [`Store`] port on one DynamoDB table (see the crate documentation for
/// its attributes).
#[derive(Debug, Clone)]
pub struct DynamoStore {
    client: Client,
    table: String,
}

impl DynamoStore {
    /// A store on `table`, through an already configured client.
    pub fn new(client: Client, table: impl Into<String>) -> Self {
        Self { client, table: table.into() }
    }

    /// A store on the table named by `TABLE_NAME`, configured by
    /// [`gru_aws::sdk_config_from_env`] (region, credentials, and
    /// `AWS_ENDPOINT_URL` for a local emulator). Call it once per process,
    /// outside the request handler: it builds the client, which is then
    /// shared by every request.
    pub async fn from_env() -> Result<Self, StoreError> {
        let table = std::env::var("TABLE_NAME")
            .map_err(|_| StoreError::Backend("la variable TABLE_NAME n'est pas définie".into()))?;
        let config = gru_aws::sdk_config_from_env().map_err(StoreError::Backend)?;
        Ok(Self::new(Client::new(&config), table))
    }
}

/// A client for a local DynamoDB emulator (moto server, DynamoDB Local) at
/// `endpoint`, with dummy credentials, so tests and local tooling do not
/// depend on anyone's AWS configuration.
pub fn emulator_client(endpoint: &str) -> Client {
    Client::new(&gru_aws::emulator_config(endpoint))
}

/// Creates the store's table (`pk`/`sk`, index `gsi1`, on-demand billing,
/// TTL on `expires_at`) and waits until it is active. Used by tests and local
/// tooling; deployed tables come from the infrastructure template.
pub async fn create_table(client: &Client, name: &str) -> Result<(), StoreError> {
    let attribute = |name: &str| {
        AttributeDefinition::builder()
            .attribute_name(name)
            .attribute_type(ScalarAttributeType::S)
            .build()
            .map_err(invalid_request)
    };
    let key = |name: &str, key_type: KeyType| {
        KeySchemaElement::builder().attribute_name(name).key_type(key_type).build().map_err(invalid_request)
    };
    let index = GlobalSecondaryIndex::builder()
        .index_name(GSI1)
        .key_schema(key(GSI1_PK, KeyType::Hash)?)
        .key_schema(key(GSI1_SK, KeyType::Range)?)
        .projection(Projection::builder().projection_type(ProjectionType::All).build())
        .build()
        .map_err(invalid_request)?;
    client
        .create_table()
        .table_name(name)
        .billing_mode(BillingMode::PayPerRequest)
        .attribute_definitions(attribute(PK)?)
        .attribute_definitions(attribute(SK)?)
        .attribute_definitions(attribute(GSI1_PK)?)
        .attribute_definitions(attribute(GSI1_SK)?)
        .key_schema(key(PK, KeyType::Hash)?)
        .key_schema(key(SK, KeyType::Range)?)
        .global_secondary_indexes(index)
        .send()
        .await
        .map_err(|e| backend("CreateTable", &e))?;
    client
        .wait_until_table_exists()
        .table_name(name)
        .wait(TABLE_ACTIVE_TIMEOUT)
        .await
        .map_err(|_| StoreError::Backend("CreateTable: the table did not become active".into()))?;
    // TTL can only be turned on once the table is active.
    client
        .update_time_to_live()
        .table_name(name)
        .time_to_live_specification(
            TimeToLiveSpecification::builder()
                .enabled(true)
                .attribute_name(EXPIRES_AT)
                .build()
                .map_err(invalid_request)?,
        )
        .send()
        .await
        .map_err(|e| backend("UpdateTimeToLive", &e))?;
    Ok(())
}

#[async_trait]
impl Store for DynamoStore {
    async fn get(&self, key: &Key) -> Result<Option<Item>, StoreError> {
        let output = self
            .client
            .get_item()
            .table_name(&self.table)
            .set_key(Some(table_key(key)))
            // A read that follows a write must see it, as the embedded store does.
            .consistent_read(true)
            .send()
            .await
            .map_err(|e| backend("GetItem", &e))?;
        output.item().map(from_attributes).transpose()
    }

    async fn put(&self, item: Item, condition: Condition) -> Result<(), StoreError> {
        check_item(&item)?;
        let condition = ConditionParts::new(condition);
        self.client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(to_attributes(&item)))
            .set_condition_expression(condition.expression)
            .set_expression_attribute_names(condition.names)
            .set_expression_attribute_values(condition.values)
            .send()
            .await
            .map_err(|e| {
                if e.as_service_error().is_some_and(|s| s.is_conditional_check_failed_exception()) {
                    StoreError::ConditionFailed
                } else {
                    backend("PutItem", &e)
                }
            })?;
        Ok(())
    }

    async fn delete(&self, key: &Key, condition: Condition) -> Result<(), StoreError> {
        let condition = ConditionParts::new(condition);
        self.client
            .delete_item()
            .table_name(&self.table)
            .set_key(Some(table_key(key)))
            .set_condition_expression(condition.expression)
            .set_expression_attribute_names(condition.names)
            .set_expression_attribute_values(condition.values)
            .send()
            .await
            .map_err(|e| {
                if e.as_service_error().is_some_and(|s| s.is_conditional_check_failed_exception()) {
                    StoreError::ConditionFailed
                } else {
                    backend("DeleteItem", &e)
                }
            })?;
        Ok(())
    }

    async fn query(&self, query: Query) -> Result<Page, StoreError> {
        let (pk_name, sk_name) = match query.index {
            Index::Table => (PK, SK),
            Index::Secondary => (GSI1_PK, GSI1_SK),
        };
        let start = query.cursor.as_ref().map(|c| start_key(c, &query)).transpose()?;
        let limit = match query.limit {
            // DynamoDB refuses a limit of 0; no item is what was asked for.
            Some(0) => return Ok(Page::default()),
            // One more than asked: whether it comes back tells if a next
            // page exists, so a full last page gets no cursor (as on SQLite).
            Some(limit) => Some(i32::try_from(limit.saturating_add(1)).unwrap_or(i32::MAX)),
            None => None,
        };
        let Some(sort) = SortBounds::new(&query.sort) else {
            return Ok(Page::default());
        };
        let mut expression = "#pk = :pk".to_owned();
        let mut values = HashMap::from([(":pk".to_owned(), s(&query.partition))]);
        match sort {
            SortBounds::Any => {}
            SortBounds::Prefix(prefix) => {
                expression.push_str(" AND begins_with(#sk, :a)");
                values.insert(":a".into(), s(prefix));
            }
            SortBounds::Between(low, high) => {
                expression.push_str(" AND #sk BETWEEN :a AND :b");
                values.insert(":a".into(), s(low));
                values.insert(":b".into(), s(high));
            }
            SortBounds::From(low) => {
                expression.push_str(" AND #sk >= :a");
                values.insert(":a".into(), s(low));
            }
            SortBounds::UpTo(high) => {
                expression.push_str(" AND #sk <= :a");
                values.insert(":a".into(), s(high));
            }
        }
        let mut names = HashMap::from([("#pk".to_owned(), pk_name.to_owned())]);
        // DynamoDB refuses a name the expression does not use.
        if expression.contains("#sk") {
            names.insert("#sk".to_owned(), sk_name.to_owned());
        }
        let mut request = self
            .client
            .query()
            .table_name(&self.table)
            .key_condition_expression(expression)
            .set_expression_attribute_names(Some(names))
            .set_expression_attribute_values(Some(values))
            .scan_index_forward(query.ascending)
            .set_limit(limit)
            .set_exclusive_start_key(start);
        request = match query.index {
            // Table queries are strongly consistent like `get`; a global
            // secondary index can only be read eventually consistent.
            Index::Table => request.consistent_read(true),
            Index::Secondary => request.index_name(GSI1),
        };
        let output = request.send().await.map_err(|e| {
            if query.cursor.is_some() && is_start_key_error(&e) {
                StoreError::InvalidCursor
            } else {
                backend("Query", &e)
            }
        })?;
        let mut items: Vec<Item> = output.items().iter().map(from_attributes).collect::<Result<_, _>>()?;
        let next = match query.limit {
            Some(limit) if items.len() > limit as usize => {
                items.truncate(limit as usize);
                items.last().map(|last| {
                    Cursor::encode(&CursorPosition {
                        key: last.key.clone(),
                        index_key: matches!(query.index, Index::Secondary)
                            .then(|| last.index_key.clone())
                            .flatten(),
                    })
                })
            }
            _ => output.last_evaluated_key().map(|last| next_cursor(last, query.index)).transpose()?,
        };
        Ok(Page { items, next })
    }

    async fn transact(&self, ops: Vec<TransactOp>) -> Result<(), StoreError> {
        check_transaction(&ops)?;
        let items = ops.iter().map(|op| self.transact_item(op)).collect::<Result<Vec<_>, _>>()?;
        self.client.transact_write_items().set_transact_items(Some(items)).send().await.map_err(|e| {
            let Some(TransactWriteItemsError::TransactionCanceledException(cancelled)) = e.as_service_error()
            else {
                return backend("TransactWriteItems", &e);
            };
            // One reason per operation, "None" for those that were fine.
            let reasons: Vec<&str> = cancelled
                .cancellation_reasons()
                .iter()
                .filter_map(|r| r.code())
                .filter(|code| *code != "None")
                .collect();
            if reasons.contains(&"ConditionalCheckFailed") {
                StoreError::ConditionFailed
            } else if reasons.contains(&"TransactionConflict") {
                StoreError::TransactionConflict
            } else {
                StoreError::Backend(format!("TransactWriteItems cancelled: {}", reasons.join(", ")))
            }
        })?;
        Ok(())
    }
}

impl DynamoStore {
    fn transact_item(&self, op: &TransactOp) -> Result<TransactWriteItem, StoreError> {
        let item = TransactWriteItem::builder();
        let item = match op {
            TransactOp::Put { item: put, condition } => {
                let condition = ConditionParts::new(*condition);
                item.put(
                    Put::builder()
                        .table_name(&self.table)
                        .set_item(Some(to_attributes(put)))
                        .set_condition_expression(condition.expression)
                        .set_expression_attribute_names(condition.names)
                        .set_expression_attribute_values(condition.values)
                        .build()
                        .map_err(invalid_request)?,
                )
            }
            TransactOp::Delete { key, condition } => {
                let condition = ConditionParts::new(*condition);
                item.delete(
                    Delete::builder()
                        .table_name(&self.table)
                        .set_key(Some(table_key(key)))
                        .set_condition_expression(condition.expression)
                        .set_expression_attribute_names(condition.names)
                        .set_expression_attribute_values(condition.values)
                        .build()
                        .map_err(invalid_request)?,
                )
            }
            TransactOp::Add { key, counts } => {
                // `ADD #c0 :c0, #c1 :c1`: DynamoDB adds atomically, from 0 for a missing attribute or item.
                let names = counts
                    .iter()
                    .enumerate()
                    .map(|(i, (name, _))| (format!("#c{i}"), format!("{COUNTER}{name}")));
                let values = counts.iter().enumerate().map(|(i, (_, count))| (format!(":c{i}"), n(count)));
                let expression: Vec<String> = (0..counts.len()).map(|i| format!("#c{i} :c{i}")).collect();
                item.update(
                    Update::builder()
                        .table_name(&self.table)
                        .set_key(Some(table_key(key)))
                        .update_expression(format!("ADD {}", expression.join(", ")))
                        .set_expression_attribute_names(Some(names.collect()))
                        .set_expression_attribute_values(Some(values.collect()))
                        .build()
                        .map_err(invalid_request)?,
                )
            }
            TransactOp::Check { key, condition } => {
                let condition = ConditionParts::new(*condition);
                item.condition_check(
                    ConditionCheck::builder()
                        .table_name(&self.table)
                        .set_key(Some(table_key(key)))
                        // A check needs an expression; "no condition" is one that always holds.
                        .condition_expression(condition.expression.unwrap_or_else(|| {
                            format!("attribute_exists({PK}) OR attribute_not_exists({PK})")
                        }))
                        .set_expression_attribute_names(condition.names)
                        .set_expression_attribute_values(condition.values)
                        .build()
                        .map_err(invalid_request)?,
                )
            }
        };
        Ok(item.build())
    }
}

/// A [`Condition`] as the three optional parts of a DynamoDB request.
struct ConditionParts {
    expression: Option<String>,
    names: Option<HashMap<String, String>>,
    values: Option<Attributes>,
}

impl ConditionParts {
    fn new(condition: Condition) -> Self {
        let (expression, version) = match condition {
            Condition::None => (None, None),
            Condition::NotExists => (Some(format!("attribute_not_exists({PK})")), None),
            Condition::Exists => (Some(format!("attribute_exists({PK})")), None),
            // A missing item has no version, so the comparison fails as it should.
            Condition::Version(v) => (Some("#version = :version".to_owned()), Some(v)),
        };
        Self {
            expression,
            // A placeholder name keeps the expression safe from DynamoDB's reserved words.
            names: version.map(|_| HashMap::from([("#version".to_owned(), VERSION.to_owned())])),
            values: version.map(|v| HashMap::from([(":version".to_owned(), n(v))])),
        }
    }
}

/// A sort-key condition DynamoDB accepts: it refuses empty strings as key
/// values and inverted `BETWEEN` bounds, so those are decided here.
enum SortBounds<'a> {
    Any,
    Prefix(&'a str),
    Between(&'a str, &'a str),
    From(&'a str),
    UpTo(&'a str),
}

impl<'a> SortBounds<'a> {
    /// `None` when no sort key can match (keys are never empty).
    fn new(sort: &'a SortKeyCondition) -> Option<Self> {
        Some(match sort {
            SortKeyCondition::Any => Self::Any,
            SortKeyCondition::Prefix(p) if p.is_empty() => Self::Any,
            SortKeyCondition::Prefix(p) => Self::Prefix(p),
            SortKeyCondition::Between(low, high) if low > high || high.is_empty() => return None,
            SortKeyCondition::Between(low, high) if low.is_empty() => Self::UpTo(high),
            SortKeyCondition::Between(low, high) => Self::Between(low, high),
            SortKeyCondition::From(low) if low.is_empty() => Self::Any,
            SortKeyCondition::From(low) => Self::From(low),
            SortKeyCondition::UpTo(high) if high.is_empty() => return None,
            SortKeyCondition::UpTo(high) => Self::UpTo(high),
        })
    }
}

/// The `ExclusiveStartKey` a cursor stands for, refusing a cursor that is
/// not from a query on the same partition.
fn start_key(cursor: &Cursor, query: &Query) -> Result<Attributes, StoreError> {
    let CursorPosition { key, index_key } = cursor.decode()?;
    let mut start = table_key(&key);
    match query.index {
        Index::Table if key.pk == query.partition => {}
        Index::Secondary => match index_key {
            Some(index_key) if index_key.pk == query.partition => {
                start.insert(GSI1_PK.into(), s(&index_key.pk));
                start.insert(GSI1_SK.into(), s(&index_key.sk));
            }
            _ => return Err(StoreError::InvalidCursor),
        },
        Index::Table => return Err(StoreError::InvalidCursor),
    }
    Ok(start)
}

/// The cursor for a page's `LastEvaluatedKey`.
fn next_cursor(last: &Attributes, index: Index) -> Result<Cursor, StoreError> {
    let key = Key::new(string(last, PK)?, string(last, SK)?);
    let index_key = match index {
        Index::Table => None,
        Index::Secondary => Some(Key::new(string(last, GSI1_PK)?, string(last, GSI1_SK)?)),
    };
    Ok(Cursor::encode(&CursorPosition { key, index_key }))
}

/// Whether DynamoDB refused the `ExclusiveStartKey` (e.g. a cursor whose
/// position lies outside the query's sort-key range).
fn is_start_key_error<E: ProvideErrorMetadata, R>(error: &SdkError<E, R>) -> bool {
    error.code() == Some("ValidationException")
        && error.message().is_some_and(|m| {
            let m = m.to_ascii_lowercase();
            m.contains("start key") || m.contains("starting key") || m.contains("exclusivestartkey")
        })
}

fn table_key(key: &Key) -> Attributes {
    HashMap::from([(PK.to_owned(), s(&key.pk)), (SK.to_owned(), s(&key.sk))])
}

fn to_attributes(item: &Item) -> Attributes {
    let mut attributes = table_key(&item.key);
    if let Some(index_key) = &item.index_key {
        attributes.insert(GSI1_PK.into(), s(&index_key.pk));
        attributes.insert(GSI1_SK.into(), s(&index_key.sk));
    }
    attributes.insert(VERSION.into(), n(item.version));
    if let Some(expires_at) = item.expires_at {
        attributes.insert(EXPIRES_AT.into(), n(expires_at));
    }
    attributes.insert(DATA.into(), s(&item.data.to_string()));
    attributes
}

fn from_attributes(attributes: &Attributes) -> Result<Item, StoreError> {
    let index_key = match (attributes.get(GSI1_PK), attributes.get(GSI1_SK)) {
        (None, None) => None,
        _ => Some(Key::new(string(attributes, GSI1_PK)?, string(attributes, GSI1_SK)?)),
    };
    let expires_at = match attributes.get(EXPIRES_AT) {
        None => None,
        Some(_) => Some(number(attributes, EXPIRES_AT)?),
    };
    // An item of counters (written by `ADD`) has no data and no version.
    if !attributes.contains_key(DATA) {
        let mut counters = serde_json::Map::new();
        for (name, value) in attributes {
            if let (Some(counter), AttributeValue::N(total)) = (name.strip_prefix(COUNTER), value) {
                let total: i64 = total.parse().map_err(|_| malformed(COUNTER))?;
                counters.insert(counter.to_owned(), total.into());
            }
        }
        return Ok(Item {
            key: Key::new(string(attributes, PK)?, string(attributes, SK)?),
            index_key,
            version: 0,
            expires_at,
            data: serde_json::Value::Object(counters),
        });
    }
    let data = serde_json::from_str(&string(attributes, DATA)?).map_err(|_| malformed(DATA))?;
    Ok(Item {
        key: Key::new(string(attributes, PK)?, string(attributes, SK)?),
        index_key,
        version: number(attributes, VERSION)?,
        expires_at,
        data,
    })
}

fn string(attributes: &Attributes, name: &'static str) -> Result<String, StoreError> {
    match attributes.get(name) {
        Some(AttributeValue::S(value)) => Ok(value.clone()),
        _ => Err(malformed(name)),
    }
}

fn number<T: std::str::FromStr>(attributes: &Attributes, name: &'static str) -> Result<T, StoreError> {
    match attributes.get(name) {
        Some(AttributeValue::N(value)) => value.parse().map_err(|_| malformed(name)),
        _ => Err(malformed(name)),
    }
}

fn s(value: &str) -> AttributeValue {
    AttributeValue::S(value.to_owned())
}

fn n(value: impl ToString) -> AttributeValue {
    AttributeValue::N(value.to_string())
}

fn malformed(attribute: &str) -> StoreError {
    StoreError::Backend(format!("stored item has a missing or malformed `{attribute}`"))
}

fn invalid_request(_: aws_sdk_dynamodb::error::BuildError) -> StoreError {
    StoreError::Backend("request is missing a required field".into())
}

/// A short, data-free description of an SDK error: the operation and the
/// error code, never the service's message (which may quote item values).
fn backend<E: ProvideErrorMetadata, R>(operation: &str, error: &SdkError<E, R>) -> StoreError {
    let cause = match error {
        SdkError::ServiceError(_) => error.code().unwrap_or("unidentified service error"),
        SdkError::TimeoutError(_) => "timeout",
        SdkError::DispatchFailure(_) => "could not reach the service",
        SdkError::ResponseError(_) => "unreadable response",
        SdkError::ConstructionFailure(_) => "request could not be built",
        _ => "unknown error",
    };
    StoreError::Backend(format!("{operation}: {cause}"))
}
