//! Geographic functions over ODK geopoints (`lat lon [alt [accuracy]]`) and geoshapes
//! (points separated by `;`).

use super::{Evaluator, Expr, Result, Value, XPathError};

/// Parses `lat lon [alt [acc]]` into (latitude, longitude), checking the ranges.
fn point(text: &str) -> Option<(f64, f64)> {
    let mut parts = text.split_whitespace().map(str::parse::<f64>);
    let lat = parts.next()?.ok()?;
    let lon = parts.next()?.ok()?;
    ((-90.0..=90.0).contains(&lat) && (-180.0..=180.0).contains(&lon)).then_some((lat, lon))
}

fn invalid(function: &'static str, what: &str) -> XPathError {
    XPathError::InvalidArgument { function, reason: format!("{what} is not a valid geopoint list") }
}

/// `geofence(point, shape)`: whether the point lies inside the closed shape (ray casting on
/// latitude/longitude, as JavaRosa does it).
pub(super) fn geofence(ev: &Evaluator<'_, '_>, a: &[Expr]) -> Result<Value> {
    let (lat, lon) = point(&ev.str(&a[0])?).ok_or_else(|| invalid("geofence", "the point"))?;
    let shape: Vec<(f64, f64)> = ev
        .str(&a[1])?
        .split(';')
        .map(|p| point(p).ok_or_else(|| invalid("geofence", "the shape")))
        .collect::<Result<_>>()?;
    if shape.len() < 3 {
        return Err(invalid("geofence", "the shape"));
    }
    let mut inside = false;
    let mut j = shape.len() - 1;
    for i in 0..shape.len() {
        let ((lat_i, lon_i), (lat_j, lon_j)) = (shape[i], shape[j]);
        if (lon_i > lon) != (lon_j > lon)
            && lat < (lat_j - lat_i) * (lon - lon_i) / (lon_j - lon_i) + lat_i
        {
            inside = !inside;
        }
        j = i;
    }
    Ok(Value::Bool(inside))
}
