//! Which expressions depend on which nodes, and in what order they must be recomputed.
//!
//! Like JavaRosa's triggerable DAG: every `calculate`, `relevant`, `required` and `readonly` of
//! a bind is a *triggerable* that reads some nodes and writes one thing (a value, or the
//! relevance of a subtree). Paths are generic — `/data/member/age`, without repeat indexes — so
//! the graph is built once per form, however many members a household has. After an answer,
//! only the triggerables that read the changed node, and those that read what they write, are
//! recomputed, in an order fixed at load. A cycle is a load error that names its nodes.

use std::collections::{BTreeMap, BTreeSet};

use rustc_hash::FxHashSet as HashSet;

use crate::{
    definition::FormDef,
    xpath::{
        XPath,
        ast::{Axis, Expr, NodeTest, PathStart, Step},
    },
};

/// What a triggerable computes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Kind {
    Relevant,
    Calculate,
    Required,
    Readonly,
}

/// One bind expression that is recomputed when what it reads changes.
#[derive(Debug, Clone)]
pub struct Triggerable {
    pub bind: usize,
    pub kind: Kind,
    /// The bind's nodeset.
    pub target: String,
    /// Generic paths it reads.
    pub reads: BTreeSet<String>,
}

impl Triggerable {
    /// What recomputing it can change for other expressions: a value or a subtree's relevance.
    fn writes(&self) -> Option<&str> {
        matches!(self.kind, Kind::Calculate | Kind::Relevant).then_some(self.target.as_str())
    }
}

/// The dependency graph of a form.
#[derive(Debug, Clone, Default)]
pub struct Dag {
    pub triggerables: Vec<Triggerable>,
    /// Triggerable indexes in the order they must run.
    pub order: Vec<usize>,
    /// Position of each triggerable in `order`.
    rank: Vec<usize>,
    /// Generic path → triggerables that read it.
    readers: BTreeMap<String, Vec<usize>>,
}

/// A dependency cycle, as the generic paths of the binds in it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("The form's calculations depend on each other in a cycle: {}.", .0.join(" → "))]
pub struct CycleError(pub Vec<String>);

impl Dag {
    pub fn build(form: &FormDef) -> Result<Dag, CycleError> {
        let mut triggerables = Vec::new();
        for (index, bind) in form.binds.iter().enumerate() {
            let expressions = [
                (Kind::Relevant, &bind.relevant),
                (Kind::Calculate, &bind.calculate),
                (Kind::Required, &bind.required),
                (Kind::Readonly, &bind.readonly),
            ];
            for (kind, expr) in expressions {
                if let Some(expr) = expr {
                    let reads = references(expr, &bind.nodeset);
                    triggerables.push(Triggerable {
                        bind: index,
                        kind,
                        target: bind.nodeset.clone(),
                        reads,
                    });
                }
            }
        }
        let mut readers: BTreeMap<String, Vec<usize>> = BTreeMap::new();
        for (i, t) in triggerables.iter().enumerate() {
            for path in &t.reads {
                readers.entry(path.clone()).or_default().push(i);
            }
        }
        let mut dag = Dag { triggerables, order: Vec::new(), rank: Vec::new(), readers };
        dag.order = dag.topological_order()?;
        dag.rank = vec![0; dag.triggerables.len()];
        for (position, &t) in dag.order.iter().enumerate() {
            dag.rank[t] = position;
        }
        Ok(dag)
    }

    /// Triggerables that read `path` or a node inside it (a change of a group's relevance, or
    /// of a repeat's instances, reaches everything inside). As in JavaRosa, reading a group
    /// (`position(..)`, `count(../x)`) does not make an expression depend on every value in it.
    pub fn readers_of(&self, path: &str) -> Vec<usize> {
        let mut found: Vec<usize> = self.readers.get(path).cloned().unwrap_or_default();
        let inside = format!("{path}/");
        found.extend(
            self.readers
                .range(inside.clone()..)
                .take_while(|(p, _)| p.starts_with(&inside))
                .flat_map(|(_, t)| t),
        );
        found
    }

    /// Puts triggerables in run order, without duplicates.
    pub fn in_run_order(&self, mut work: Vec<usize>) -> Vec<usize> {
        work.sort_unstable_by_key(|&t| self.rank[t]);
        work.dedup();
        work
    }

    /// Everything to recompute after `changed` paths changed, in run order.
    pub fn affected(&self, changed: &[&str]) -> Vec<usize> {
        let mut seen: HashSet<usize> = HashSet::default();
        let mut stack: Vec<usize> = changed.iter().flat_map(|p| self.readers_of(p)).collect();
        while let Some(t) = stack.pop() {
            if seen.insert(t)
                && let Some(written) = self.triggerables[t].writes()
            {
                stack.extend(self.readers_of(written));
            }
        }
        self.in_run_order(seen.into_iter().collect())
    }

    /// What an answer to `path` sets off: as [`Dag::affected`], except the calculate of the
    /// answered node itself. An answer typed over a calculation stays until the calculation's
    /// inputs change, as in JavaRosa.
    pub fn affected_by_answer(&self, path: &str) -> Vec<usize> {
        let mut work = self.affected(&[path]);
        work.retain(|&t| {
            let triggerable = &self.triggerables[t];
            !(triggerable.kind == Kind::Calculate && triggerable.target == path)
        });
        work
    }

    fn successors(&self, t: usize) -> Vec<usize> {
        match self.triggerables[t].writes() {
            Some(written) => self
                .readers_of(written)
                .into_iter()
                // An expression may read its own node (`if(. = '', …, .)`); JavaRosa allows it.
                .filter(|&next| next != t)
                .collect(),
            None => Vec::new(),
        }
    }

    fn topological_order(&self) -> Result<Vec<usize>, CycleError> {
        let n = self.triggerables.len();
        let mut incoming = vec![0usize; n];
        let successors: Vec<Vec<usize>> = (0..n).map(|t| dedup(self.successors(t))).collect();
        for next in successors.iter().flatten() {
            incoming[*next] += 1;
        }
        let mut ready: Vec<usize> = (0..n).filter(|&t| incoming[t] == 0).rev().collect();
        let mut order = Vec::with_capacity(n);
        while let Some(t) = ready.pop() {
            order.push(t);
            for &next in successors[t].iter().rev() {
                incoming[next] -= 1;
                if incoming[next] == 0 {
                    ready.push(next);
                }
            }
        }
        if order.len() == n {
            return Ok(order);
        }
        Err(CycleError(self.describe_cycle(&successors, &incoming)))
    }

    /// Every node left after the topological sort has an unfinished predecessor, so walking
    /// predecessors from any of them must come back to a node already seen: that loop is a cycle.
    fn describe_cycle(&self, successors: &[Vec<usize>], incoming: &[usize]) -> Vec<String> {
        let left = |t: usize| incoming[t] > 0;
        let mut predecessors = vec![Vec::new(); incoming.len()];
        for (from, nexts) in successors.iter().enumerate() {
            for &to in nexts {
                predecessors[to].push(from);
            }
        }
        let start = (0..incoming.len()).find(|&t| left(t)).expect("a node is left");
        let mut path = vec![start];
        loop {
            let last = *path.last().expect("not empty");
            let previous = predecessors[last]
                .iter()
                .copied()
                .find(|&p| left(p))
                .expect("a node left has one left before it");
            if let Some(i) = path.iter().position(|&p| p == previous) {
                // Edges run from path[k + 1] to path[k]; read forward, the loop is
                // path[i] → path[last] → … → path[i + 1] → path[i].
                let name = |t: usize| self.triggerables[t].target.clone();
                let mut names = vec![name(path[i])];
                names.extend(path[i + 1..].iter().rev().map(|&t| name(t)));
                names.push(name(path[i]));
                return names;
            }
            path.push(previous);
        }
    }
}

fn dedup(mut v: Vec<usize>) -> Vec<usize> {
    v.sort_unstable();
    v.dedup();
    v
}

/// Where relative paths in an expression start.
#[derive(Clone)]
enum Base {
    /// A generic path in the primary instance.
    Primary(String),
    /// A node of a secondary instance: relative paths there read no primary node.
    Secondary,
}

/// The generic primary-instance paths `expr` reads when evaluated for a node at `bound`.
pub fn references(expr: &XPath, bound: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    collect(expr.expr(), &Base::Primary(bound.to_owned()), bound, &mut out);
    out
}

fn collect(expr: &Expr, base: &Base, bound: &str, out: &mut BTreeSet<String>) {
    match expr {
        Expr::Number(_) | Expr::Literal(_) => {}
        Expr::Negate(inner) => collect(inner, base, bound, out),
        Expr::Binary(_, a, b) => {
            collect(a, base, bound, out);
            collect(b, base, bound, out);
        }
        Expr::Call { name, args } => {
            if name == "current" {
                out.insert(bound.to_owned());
            }
            args.iter().for_each(|a| collect(a, base, bound, out));
        }
        Expr::Path { start, steps } => {
            let from = match start {
                PathStart::Root => Base::Primary(String::new()),
                PathStart::Context => base.clone(),
                PathStart::Call(call) => match call.as_ref() {
                    Expr::Call { name, .. } if name == "current" => Base::Primary(bound.to_owned()),
                    other => {
                        collect(other, base, bound, out);
                        Base::Secondary
                    }
                },
            };
            walk(&from, steps, bound, out);
        }
    }
}

fn walk(from: &Base, steps: &[Step], bound: &str, out: &mut BTreeSet<String>) {
    let mut at = from.clone();
    for step in steps {
        if let Base::Primary(path) = &mut at {
            match (step.axis, &step.test) {
                (Axis::Child, NodeTest::Name(name)) => {
                    path.push('/');
                    path.push_str(name);
                }
                (Axis::Parent, _) => {
                    let cut = path.rfind('/').unwrap_or(0);
                    path.truncate(cut);
                }
                _ => {}
            }
        }
        for predicate in &step.predicates {
            collect(predicate, &at, bound, out);
        }
    }
    if let Base::Primary(path) = at
        && !path.is_empty()
    {
        out.insert(path);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::definition::NoExternalInstances;

    fn refs(expr: &str, bound: &str) -> Vec<String> {
        references(&XPath::compile(expr).unwrap(), bound).into_iter().collect()
    }

    #[test]
    fn relative_paths_resolve_against_the_bound_node() {
        assert_eq!(
            refs("../age > 5 and /data/hh/rooms = 2", "/data/member/name"),
            ["/data/hh/rooms", "/data/member/age"]
        );
        assert_eq!(refs(". != ''", "/data/a"), ["/data/a"]);
    }

    #[test]
    fn choice_filters_read_current_but_not_the_secondary_instance() {
        assert_eq!(
            refs("instance('desa')/root/item[kec = current()/../kec]/label", "/data/loc/desa"),
            ["/data/loc/kec"]
        );
    }

    #[test]
    fn predicates_on_primary_paths_read_their_own_relative_nodes() {
        assert_eq!(
            refs("count(/data/member[age >= 17])", "/data/n"),
            ["/data/member", "/data/member/age"]
        );
    }

    fn form(binds: &str) -> FormDef {
        let xml = format!(
            r#"<h:html xmlns="http://www.w3.org/2002/xforms" xmlns:h="http://www.w3.org/1999/xhtml"><h:head><h:title>t</h:title><model>
<instance><data id="t"><a/><b/><c/><g><d/></g></data></instance>{binds}</model></h:head><h:body/></h:html>"#
        );
        FormDef::parse(&xml, &NoExternalInstances).unwrap()
    }

    #[test]
    fn calculations_run_after_what_they_read() {
        let dag = Dag::build(&form(
            r#"<bind nodeset="/data/c" calculate="/data/b + 1"/><bind nodeset="/data/b" calculate="/data/a * 2"/>"#,
        ))
        .unwrap();
        let targets: Vec<&str> =
            dag.order.iter().map(|&t| dag.triggerables[t].target.as_str()).collect();
        assert_eq!(targets, ["/data/b", "/data/c"]);
        let affected: Vec<&str> = dag
            .affected(&["/data/a"])
            .iter()
            .map(|&t| dag.triggerables[t].target.as_str())
            .collect();
        assert_eq!(affected, ["/data/b", "/data/c"]);
        assert!(dag.affected(&["/data/c"]).is_empty());
    }

    #[test]
    fn relevance_of_a_group_reaches_readers_of_its_children() {
        let dag = Dag::build(&form(
            r#"<bind nodeset="/data/g" relevant="/data/a = 1"/><bind nodeset="/data/b" calculate="/data/g/d"/>"#,
        ))
        .unwrap();
        let affected: Vec<Kind> =
            dag.affected(&["/data/a"]).iter().map(|&t| dag.triggerables[t].kind).collect();
        assert_eq!(affected, [Kind::Relevant, Kind::Calculate]);
    }

    #[test]
    fn a_cycle_is_refused_naming_its_nodes() {
        let err = Dag::build(&form(
            r#"<bind nodeset="/data/a" calculate="/data/c"/><bind nodeset="/data/b" calculate="/data/a"/><bind nodeset="/data/c" calculate="/data/b"/>"#,
        ))
        .unwrap_err();
        assert_eq!(err.0.len(), 4);
        assert_eq!(err.0.first(), err.0.last());
        assert!(err.to_string().contains("/data/a") && err.to_string().contains("→"));
    }

    #[test]
    fn an_expression_reading_its_own_node_is_not_a_cycle() {
        assert!(Dag::build(&form(r#"<bind nodeset="/data/a" relevant=". = ''"/>"#)).is_ok());
        assert!(
            Dag::build(&form(r#"<bind nodeset="/data/a" calculate="if(. = '', 1, .)"/>"#)).is_ok()
        );
    }
}
