//! What the evidence layer asks of a question: its type, its current value, and the
//! parameters on its body control (`max-pixels`, `accuracyThreshold`, …).

use super::Session;
use crate::definition::{Control, DataType};

impl Session {
    /// The data type of the node at `reference`, when the node exists.
    pub fn question_type(&self, reference: &str) -> Option<DataType> {
        let node = self.resolve(reference)?;
        Some(self.form.data_type(&self.generic_path(node)))
    }

    /// The current value of the node at `reference`.
    pub fn value_at(&self, reference: &str) -> Option<String> {
        let node = self.resolve(reference)?;
        Some(self.doc.get(node).text.clone())
    }

    /// The longest side of a photo answer at `reference`: `max-pixels` on its bind (where
    /// pyxform writes it) or on its control.
    pub fn max_pixels(&self, reference: &str) -> Option<u32> {
        let generic = self.generic_path(self.resolve(reference)?);
        self.form.bind_of(&generic).and_then(|b| b.max_pixels).or_else(|| {
            self.control_parameter(reference, "max-pixels").and_then(|v| v.trim().parse().ok())
        })
    }

    /// An attribute of the body control bound to `reference`, by local name
    /// (`odk:max-pixels` → `max-pixels`).
    pub fn control_parameter(&self, reference: &str, name: &str) -> Option<String> {
        let generic = self.generic_path(self.resolve(reference)?);
        let control = find_control(&self.form.def.body, &generic)?;
        control.parameters.iter().find(|(n, _)| n == name).map(|(_, v)| v.clone())
    }
}

fn find_control<'c>(controls: &'c [Control], generic: &str) -> Option<&'c Control> {
    controls.iter().find_map(|control| {
        if control.reference.as_deref() == Some(generic) && control.children.is_empty() {
            Some(control)
        } else {
            find_control(&control.children, generic)
        }
    })
}
