//! `GET /verivali/v1/returns`: the interviews a device sent that a pengawas returned, with the
//! comments, until the device's correction arrives (docs/review-api.md). A device token only;
//! the answer names no person and carries no answer, only references and the pengawas's words.

use std::sync::Arc;

use axum::{
    extract::State,
    http::{HeaderMap, StatusCode, header},
    response::IntoResponse,
};

use crate::routes::{App, Reply};

/// The version of the returns document; a device refuses a document of another.
pub const FORMAT: u32 = 1;

pub(crate) async fn returns(State(app): State<Arc<App>>, headers: HeaderMap) -> Reply {
    let device = match app.device(&headers).await {
        Ok(device) => device,
        Err(refusal) => return refusal,
    };
    let listed = app.db(move |conn| super::store::returned_to_device(conn, &device.id)).await;
    let returned = match listed {
        Ok(returned) => returned,
        Err(refusal) => return refusal,
    };
    let body = serde_json::json!({"format": FORMAT, "returns": returned}).to_string();
    (
        StatusCode::OK,
        [(header::CONTENT_TYPE, "application/json"), (header::CACHE_CONTROL, "no-store")],
        body,
    )
        .into_response()
}
