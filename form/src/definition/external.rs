//! External secondary instances: CSV files (`jr://file/x.csv`) and XML files.
//!
//! A CSV becomes `<root><item><col1>…</col1>…</item>…</root>`, as in ODK Collect, so that
//! choice filters and `pulldata` address it like any instance.

use crate::{frozen::FrozenBuilder, frozen::FrozenDocument, scan};

/// Reads an external instance; the error is a reason for the message, without data values.
pub(crate) fn read(bytes: &[u8], src: &str) -> Result<FrozenDocument, String> {
    let text = std::str::from_utf8(bytes).map_err(|_| "it is not UTF-8 text".to_owned())?;
    let lower = src.to_ascii_lowercase();
    if lower.ends_with(".csv") {
        csv_instance(text)
    } else if lower.ends_with("geojson") {
        geojson_instance(text)
    } else {
        scan::parse_frozen(text).map_err(|e| e.to_string())
    }
}

fn csv_instance(text: &str) -> Result<FrozenDocument, String> {
    let text = text.trim_start_matches('\u{feff}');
    let mut reader = csv::ReaderBuilder::new().flexible(true).from_reader(text.as_bytes());
    let headers: Vec<String> = reader
        .headers()
        .map_err(|e| format!("its header row cannot be read ({e})"))?
        .iter()
        .map(|h| h.trim().to_owned())
        .collect();
    if let Some(bad) = headers.iter().find(|h| !is_element_name(h)) {
        return Err(format!("the column name '{bad}' is not usable as a node name"));
    }
    let rows = text.bytes().filter(|&b| b == b'\n').count() + 1;
    let mut tree = FrozenBuilder::with_capacity(1 + rows * (headers.len() + 1), text.len());
    let limit = |e: crate::dom::ParseError| e.to_string();
    tree.start("root").map_err(limit)?;
    for (row, record) in reader.records().enumerate() {
        let record = record.map_err(|e| format!("row {} cannot be read ({e})", row + 2))?;
        tree.start("item").map_err(limit)?;
        for (header, cell) in headers.iter().zip(record.iter()) {
            tree.start(header).map_err(limit)?;
            tree.text(cell);
            tree.end().map_err(limit)?;
        }
        tree.end().map_err(limit)?;
    }
    tree.end().map_err(limit)?;
    tree.finish().map_err(limit)
}

/// A GeoJSON FeatureCollection as JavaRosa reads it: an `item` per feature holding its
/// `geometry` as ODK points (`lat lon 0 0`, `; `-separated for lines and polygons), a child per
/// property, and the feature's `id`.
fn geojson_instance(text: &str) -> Result<FrozenDocument, String> {
    let json: serde_json::Value =
        serde_json::from_str(text).map_err(|e| format!("it is not GeoJSON ({e})"))?;
    if json["type"] != "FeatureCollection" {
        return Err("GeoJSON must hold a top-level FeatureCollection".into());
    }
    let features = json["features"]
        .as_array()
        .ok_or("the GeoJSON FeatureCollection has no array of features")?;
    let mut tree = FrozenBuilder::with_capacity(1 + features.len() * 8, text.len());
    let limit = |e: crate::dom::ParseError| e.to_string();
    tree.start("root").map_err(limit)?;
    for (n, feature) in features.iter().enumerate() {
        if feature["type"] != "Feature" {
            return Err(format!("feature {} is not of type Feature", n + 1));
        }
        let mut fields = vec![("geometry".to_owned(), odk_coordinates(&feature["geometry"])?)];
        for (name, value) in feature["properties"].as_object().into_iter().flatten() {
            if !is_element_name(name) {
                return Err(format!("the property name '{name}' is not usable as a node name"));
            }
            fields.push((name.clone(), json_text(value)));
        }
        if !feature["id"].is_null() {
            let id = json_text(&feature["id"]);
            match fields.iter_mut().find(|(name, _)| name == "id") {
                Some(existing) => existing.1 = id,
                None => fields.push(("id".to_owned(), id)),
            }
        }
        tree.start("item").map_err(limit)?;
        for (name, value) in &fields {
            tree.start(name).map_err(limit)?;
            tree.text(value);
            tree.end().map_err(limit)?;
        }
        tree.end().map_err(limit)?;
    }
    tree.end().map_err(limit)?;
    tree.finish().map_err(limit)
}

fn odk_coordinates(geometry: &serde_json::Value) -> Result<String, String> {
    let point = |p: &serde_json::Value| -> Result<String, String> {
        match p.as_array().map(Vec::as_slice) {
            Some([lon, lat, ..]) => Ok(format!("{} {} 0 0", json_text(lat), json_text(lon))),
            _ => Err("a GeoJSON point needs a longitude and a latitude".into()),
        }
    };
    let coordinates = &geometry["coordinates"];
    let line = |points: &serde_json::Value| -> Result<String, String> {
        let points = points.as_array().map(Vec::as_slice).unwrap_or_default();
        Ok(points.iter().map(point).collect::<Result<Vec<_>, _>>()?.join("; "))
    };
    match geometry["type"].as_str() {
        Some("Point") => point(coordinates),
        Some("LineString") => line(coordinates),
        Some("Polygon") => coordinates.get(0).map_or(Ok(String::new()), line),
        _ => Err("only GeoJSON Points, LineStrings and Polygons are supported".into()),
    }
}

/// A JSON scalar as text (a string without quotes, null as empty).
fn json_text(value: &serde_json::Value) -> String {
    match value {
        serde_json::Value::String(s) => s.clone(),
        serde_json::Value::Null => String::new(),
        other => other.to_string(),
    }
}

fn is_element_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c.is_alphabetic() || c == '_')
        && chars.all(|c| c.is_alphanumeric() || matches!(c, '_' | '-' | '.'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_rows_become_items_with_a_child_per_column() {
        let doc = read(
            b"name,label,kec\n2001,Cibodas,01\n2002,\"Cikole, Atas\",01\n",
            "jr://file/desa.csv",
        )
        .unwrap();
        let root = doc.root();
        assert_eq!(doc.children(root).count(), 2);
        let second = doc.children(root).nth(1).unwrap();
        assert_eq!(doc.string_value(doc.child(second, "label").unwrap()), "Cikole, Atas");
    }

    #[test]
    fn geojson_features_become_items_with_odk_geometry_properties_and_id() {
        let doc = read(
            br#"{"type": "FeatureCollection", "features": [
                {"type": "Feature", "id": "f1", "geometry": {"type": "Point", "coordinates": [102, 0.5]},
                 "properties": {"name": "Sumur", "depth": 12}},
                {"type": "Feature", "geometry": {"type": "LineString", "coordinates": [[1, 2], [3, 4]]}}]}"#,
            "jr://file/points.geojson",
        )
        .unwrap();
        let items: Vec<_> = doc.children(doc.root()).collect();
        let text = |item, name| doc.string_value(doc.child(item, name).unwrap());
        assert_eq!(text(items[0], "geometry"), "0.5 102 0 0");
        assert_eq!(text(items[0], "name"), "Sumur");
        assert_eq!(text(items[0], "depth"), "12");
        assert_eq!(text(items[0], "id"), "f1");
        assert_eq!(text(items[1], "geometry"), "2 1 0 0; 4 3 0 0");
        assert!(read(br#"{"type": "Feature"}"#, "x.geojson").is_err());
    }

    #[test]
    fn csv_with_an_unusable_column_name_is_refused_naming_it() {
        let err = read(b"name,1st label\n1,a\n", "x.csv").unwrap_err();
        assert!(err.contains("1st label"), "{err}");
    }

    #[test]
    fn xml_instances_are_parsed_with_the_usual_guards() {
        assert!(read(b"<!DOCTYPE x [<!ENTITY a 'b'>]><root/>", "x.xml").is_err());
        assert!(read(b"<root><item><name>a</name></item></root>", "x.xml").is_ok());
    }
}
