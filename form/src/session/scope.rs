//! Where an answer's consequences are recomputed. JavaRosa contextualizes an expression to the
//! answer that set it off: when a question inside a repeat instance is answered, the
//! expressions of that repeat are recomputed in that instance only, not in its siblings. (A
//! `prev_name` computed with `indexed-repeat` in member 1 keeps what it showed when member 2's
//! name is typed; an answer typed over a calculate in another instance stays.)

use super::{Session, SessionError};
use crate::dom::NodeId;

impl Session {
    /// Runs `work` (in its order), each expression in the repeat instance it shares with
    /// `origin`, or everywhere when it lies outside every repeat `origin` is in.
    pub(super) fn run_around(
        &mut self,
        work: &[usize],
        origin: NodeId,
    ) -> Result<(), SessionError> {
        let instances = self.enclosing_instances(origin);
        for &t in work {
            let target = self.form.dag.triggerables[t].target.clone();
            let scope = instances
                .iter()
                .filter(|(repeat, _)| {
                    target == *repeat || target.starts_with(&format!("{repeat}/"))
                })
                .map(|&(_, instance)| instance)
                .next_back();
            self.run(&[t], scope)?;
        }
        Ok(())
    }

    /// The repeat instances `node` lies in, outermost first, with their repeats' generic paths.
    pub(super) fn enclosing_instances(&self, node: NodeId) -> Vec<(String, NodeId)> {
        let mut out = Vec::new();
        let mut at = Some(node);
        while let Some(id) = at {
            let path = self.generic_path(id);
            if self.form.repeats.contains(&path) {
                out.push((path, id));
            }
            at = self.doc.get(id).parent;
        }
        out.reverse();
        out
    }

    /// The innermost repeat (generic path) a node path lies in.
    pub(super) fn innermost_repeat(&self, path: &str) -> Option<String> {
        let mut prefix = String::new();
        let mut innermost = None;
        for step in path.trim_start_matches('/').split('/') {
            prefix = format!("{prefix}/{step}");
            if self.form.repeats.contains(&prefix) && prefix != path {
                innermost = Some(prefix.clone());
            }
        }
        innermost
    }
}
