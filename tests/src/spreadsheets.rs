//! Exports opened by real readers, as an agent's spreadsheet would open
//! them: CSV by Python's `csv` (`;`, UTF-8 with its byte-order mark), ODS
//! by `odfpy` (both in the venv `cargo xtask` installs: `GRU_PYTHON`).
//! Each row comes back as a map from the header's names to the cells:
//! text for CSV; for ODS, numbers as numbers, dates as `YYYY-MM-DD`.

use serde_json::{Map, Value};
use std::io::Write;
use std::process::{Command, Stdio};

const READ_CSV: &str = r#"
import csv, io, json, sys
rows = list(csv.DictReader(io.StringIO(sys.stdin.buffer.read().decode("utf-8-sig")), delimiter=";"))
print(json.dumps(rows))
"#;

const READ_ODS: &str = r#"
import io, json, sys
from odf.opendocument import load
from odf.table import Table, TableRow, TableCell
from odf import teletype

def value(cell):
    kind = cell.getAttribute("valuetype")
    if kind == "float":
        return float(cell.getAttribute("value"))
    if kind == "date":
        return cell.getAttribute("datevalue")
    return teletype.extractText(cell)

document = load(io.BytesIO(sys.stdin.buffer.read()))
tables = document.spreadsheet.getElementsByType(Table)
lines = [[value(c) for c in row.getElementsByType(TableCell)] for row in tables[0].getElementsByType(TableRow)]
header, rows = lines[0], lines[1:]
print(json.dumps({"sheet": tables[0].getAttribute("name"), "rows": [dict(zip(header, row)) for row in rows]}))
"#;

/// The rows of a CSV file.
pub fn read_csv(bytes: &[u8]) -> Vec<Map<String, Value>> {
    serde_json::from_value(python(READ_CSV, bytes)).expect("rows")
}

/// The first sheet's name and rows of an ODS file.
pub fn read_ods(bytes: &[u8]) -> (String, Vec<Map<String, Value>>) {
    let read = python(READ_ODS, bytes);
    (
        read["sheet"].as_str().expect("a sheet's name").to_owned(),
        serde_json::from_value(read["rows"].clone()).expect("rows"),
    )
}

fn python(program: &str, input: &[u8]) -> Value {
    let python =
        std::env::var("GRU_PYTHON").expect("GRU_PYTHON: cargo xtask test gives target/venv/bin/python");
    let mut child = Command::new(python)
        .args(["-c", program])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("python starts");
    child.stdin.take().expect("stdin").write_all(input).expect("the file is given to python");
    let output = child.wait_with_output().expect("python ends");
    assert!(
        output.status.success(),
        "python cannot read the file: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).expect("python prints JSON")
}
