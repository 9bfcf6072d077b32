//! Geographic functions over ODK geopoints (`lat lon [alt [accuracy]]`), geotraces and
//! geoshapes (points separated by `;`), computed as JavaRosa computes them: a sphere of the
//! Earth's equatorial radius, and points read leniently (no range check, a missing longitude
//! is 0, an empty point is 0 0).

use super::{Evaluator, Expr, Result, Value, XPathError};

const EARTH_RADIUS_M: f64 = 6_378_100.0;
const EARTH_CIRCUMFERENCE_M: f64 = 2.0 * EARTH_RADIUS_M * std::f64::consts::PI;

/// A point as (latitude, longitude) in degrees.
type LatLon = (f64, f64);

fn not_coordinates(function: &'static str) -> XPathError {
    XPathError::InvalidArgument {
        function,
        reason: "the value does not represent GPS coordinates".into(),
    }
}

fn needs_a_field(function: &'static str) -> XPathError {
    XPathError::InvalidArgument { function, reason: "it needs a field as the parameter".into() }
}

/// One geopoint: one to four numbers separated by spaces.
fn point(text: &str, function: &'static str) -> Result<LatLon> {
    let numbers: Vec<f64> = text
        .split_whitespace()
        .map(|part| part.parse::<f64>().map_err(|_| not_coordinates(function)))
        .collect::<Result<_>>()?;
    match numbers.as_slice() {
        [] => Ok((0.0, 0.0)), // as JavaRosa reads an empty point
        [lat] => Ok((*lat, 0.0)),
        [lat, lon, ..] if numbers.len() <= 4 => Ok((*lat, *lon)),
        _ => Err(not_coordinates(function)),
    }
}

/// A geotrace or geoshape: points separated by `;` (a trailing `;` adds none).
fn points(text: &str, function: &'static str) -> Result<Vec<LatLon>> {
    text.trim_end_matches(';').split(';').map(|part| point(part.trim(), function)).collect()
}

/// The points a field stands for: one field holds a trace or shape, several fields (a repeat)
/// hold one point each.
fn points_of_field(
    ev: &Evaluator<'_, '_>,
    arg: &Expr,
    function: &'static str,
) -> Result<Vec<LatLon>> {
    let Value::Nodes(nodes) = ev.eval(arg)? else { return Err(needs_a_field(function)) };
    let read = ev.read();
    match nodes.as_slice() {
        [] => Ok(Vec::new()),
        [one] => points(&read(*one), function),
        many => many.iter().map(|node| point(&read(*node), function)).collect(),
    }
}

/// `distance(trace)` or `distance(point, point, …)`: the length of the line in metres.
pub(super) fn distance(ev: &Evaluator<'_, '_>, a: &[Expr]) -> Result<Value> {
    let line = match a {
        [one] => match ev.eval(one)? {
            Value::Nodes(_) => points_of_field(ev, one, "distance")?,
            Value::Str(text) => points(&text, "distance")?,
            _ => return Err(needs_a_field("distance")),
        },
        many => many.iter().map(|arg| point(&ev.str(arg)?, "distance")).collect::<Result<_>>()?,
    };
    Ok(Value::Num(line.windows(2).map(|pair| great_circle(pair[0], pair[1])).sum()))
}

/// `area(shape)`: the enclosed area in square metres (0 below three points).
pub(super) fn area(ev: &Evaluator<'_, '_>, a: &[Expr]) -> Result<Value> {
    let shape = points_of_field(ev, &a[0], "area")?;
    if shape.len() < 3 {
        return Ok(Value::Num(0.0));
    }
    let (lat0, lon0) = shape[0];
    let segments: Vec<(f64, f64)> = shape[1..]
        .iter()
        .map(|&(lat, lon)| {
            let y = (lat - lat0) * EARTH_CIRCUMFERENCE_M / 360.0;
            let x = (lon - lon0) * EARTH_CIRCUMFERENCE_M * lat.to_radians().cos() / 360.0;
            (x, y)
        })
        .collect();
    let sum: f64 = segments.windows(2).map(|w| (w[0].1 * w[1].0 - w[0].0 * w[1].1) / 2.0).sum();
    Ok(Value::Num(sum.abs()))
}

fn great_circle((lat1, lon1): LatLon, (lat2, lon2): LatLon) -> f64 {
    let (phi1, phi2) = (lat1.to_radians(), lat2.to_radians());
    let delta = (lon1 - lon2).to_radians();
    (phi1.sin() * phi2.sin() + phi1.cos() * phi2.cos() * delta.cos()).acos() * EARTH_RADIUS_M
}

/// `geofence(point, shape)`: whether the point lies inside the shape (ray casting over the
/// shape's consecutive points; a geoshape repeats its first point last, so it is closed).
pub(super) fn geofence(ev: &Evaluator<'_, '_>, a: &[Expr]) -> Result<Value> {
    let (lat, lon) = point(&ev.str(&a[0])?, "geofence")?;
    let shape = points_of_field(ev, &a[1], "geofence")?;
    let mut inside = false;
    for pair in shape.windows(2) {
        let ((lat_j, lon_j), (lat_i, lon_i)) = (pair[0], pair[1]);
        if (lat_i > lat) != (lat_j > lat)
            && lon < (lon_j - lon_i) * (lat - lat_i) / (lat_j - lat_i) + lon_i
        {
            inside = !inside;
        }
    }
    Ok(Value::Bool(inside))
}
