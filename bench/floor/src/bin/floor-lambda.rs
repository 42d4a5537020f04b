//! The hello-world lambda_http function (the cold-init floor).

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    lambda_http::run(floor::router()).await
}
