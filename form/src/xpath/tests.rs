//! Paths, predicates and context: what the conformance cases barely touch but every form uses.

use std::cell::Cell;

use super::*;

const FORM: &str = r#"<data id="hh">
  <hh><rooms>3</rooms><head>Budi</head></hh>
  <member><name>Budi</name><age>45</age></member>
  <member><name>Siti</name><age>40</age></member>
  <member><name>Rina</name><age></age></member>
  <meta><instanceID/></meta>
  <geo><plot>0 0 0 0;0 1 0 0;1 1 0 0;1 0 0 0;0 0 0 0</plot><trace>0 0 0 0;0 1 0 0</trace></geo>
</data>"#;

const DESA: &str = r#"<root>
  <item><name>2001</name><label>Cibodas</label><kec>01</kec></item>
  <item><name>2002</name><label lang="id">Cikole</label><kec>01</kec></item>
  <item><name>2003</name><label>Lembang</label><kec>02</kec></item>
</root>"#;

struct Fixture {
    primary: Document,
    desa: (String, crate::frozen::FrozenDocument),
    random: Cell<u64>,
}

impl Fixture {
    fn new() -> Self {
        Fixture {
            primary: Document::parse(FORM).unwrap(),
            desa: ("desa".to_owned(), crate::scan::parse_frozen(DESA).unwrap()),
            random: Cell::new(1),
        }
    }

    fn node(&self, path: &str) -> NodeRef {
        match self.eval_at(path, NodeRef::document(0)) {
            Ok(Value::Nodes(nodes)) if nodes.len() == 1 => nodes[0],
            other => panic!("{path} selects {other:?}"),
        }
    }

    fn eval_at(&self, expr: &str, node: NodeRef) -> Result<Value, XPathError> {
        self.eval_with(expr, node, None)
    }

    fn eval_with(
        &self,
        expr: &str,
        node: NodeRef,
        index: Option<&ItemIndex>,
    ) -> Result<Value, XPathError> {
        let instances = Instances {
            primary: &self.primary,
            secondary: std::slice::from_ref(&self.desa),
            nonrelevant: None,
            typed: None,
            index,
        };
        let ctx = Context {
            instances: &instances,
            node,
            current: node,
            now_ms: 1_764_288_000_000, // 2025-11-28T00:00:00Z
            tz_offset_minutes: 7 * 60,
            random_state: &self.random,
            form: None,
        };
        XPath::compile(expr)?.eval(&ctx)
    }

    fn string_at(&self, expr: &str, context: &str) -> String {
        let instances = Instances {
            primary: &self.primary,
            secondary: std::slice::from_ref(&self.desa),
            nonrelevant: None,
            typed: None,
            index: None,
        };
        let value = self.eval_at(expr, self.node(context)).unwrap();
        value.to_str(&|n| instances.string_value(n)).unwrap()
    }

    fn string(&self, expr: &str) -> String {
        self.string_at(expr, "/data")
    }
}

#[test]
fn absolute_and_relative_paths_reach_the_same_node() {
    let f = Fixture::new();
    assert_eq!(f.string("/data/hh/rooms"), "3");
    assert_eq!(f.string_at("../hh/rooms", "/data/meta"), "3");
    assert_eq!(f.string_at("./rooms", "/data/hh"), "3");
    assert_eq!(f.string_at("../../hh/head", "/data/meta/instanceID"), "Budi");
}

#[test]
fn repeated_nodes_count_and_filter_by_predicate() {
    let f = Fixture::new();
    assert_eq!(f.string("count(/data/member)"), "3");
    assert_eq!(f.string("/data/member[age > 41]/name"), "Budi");
    assert_eq!(f.string("/data/member[position() = 2]/name"), "Siti");
    assert_eq!(f.string("count-non-empty(/data/member/age)"), "2");
    assert_eq!(f.string("sum(/data/member/age)"), "85");
    assert_eq!(f.string("max(/data/member/age)"), "45");
    assert_eq!(f.string("join(', ', /data/member/name)"), "Budi, Siti, Rina");
}

#[test]
fn reading_a_repeated_field_as_one_value_is_an_error_as_in_javarosa() {
    let f = Fixture::new();
    assert_eq!(
        f.eval_at("/data/member/name = 'Siti'", NodeRef::document(0)).and_then(|v| {
            let instances = Instances {
                primary: &f.primary,
                secondary: &[],
                nonrelevant: None,
                typed: None,
                index: None,
            };
            v.to_str(&|n| instances.string_value(n)).map(Value::Str)
        }),
        Err(XPathError::RepeatedField)
    );
}

#[test]
fn position_of_a_node_is_its_repeat_index() {
    let f = Fixture::new();
    assert_eq!(f.string_at("position(..)", "/data/member[position() = 3]/name"), "3");
    assert_eq!(f.string_at("position(.)", "/data/hh"), "1");
}

#[test]
fn cascading_choice_filter_reads_a_secondary_instance_with_current() {
    let f = Fixture::new();
    let labels =
        f.eval_at("instance('desa')/root/item[kec = '01']/label", f.node("/data")).unwrap();
    let Value::Nodes(nodes) = labels else { panic!() };
    assert_eq!(nodes.len(), 2);
    assert_eq!(f.string("instance('desa')/root/item[name = 2003]/label"), "Lembang");
    assert_eq!(f.string("instance('desa')/root/item[label/@lang = 'id']/name"), "2002");
    assert_eq!(f.string_at("current()/../rooms", "/data/hh/head"), "3");
}

#[test]
fn attributes_are_reachable() {
    let f = Fixture::new();
    assert_eq!(f.string("/data/@id"), "hh");
}

#[test]
fn missing_instance_is_a_clear_error() {
    let f = Fixture::new();
    assert_eq!(
        f.eval_at("instance('nope')/root", NodeRef::document(0)),
        Err(XPathError::UnknownInstance { id: "nope".into() })
    );
}

#[test]
fn unknown_function_and_wrong_arity_fail_when_evaluated_naming_the_function() {
    let f = Fixture::new();
    let unknown = XPath::compile("/data/a + pulldatax('x')").expect("it compiles, as in JavaRosa");
    let problem = XPathError::UnknownFunction { name: "pulldatax".into() };
    assert_eq!(unknown.call_problems(), vec![problem.clone()]);
    assert_eq!(f.eval_at("/data/a + pulldatax('x')", NodeRef::document(0)), Err(problem));
    let arity = XPathError::Arity { name: "if".into(), given: 2 };
    assert_eq!(XPath::compile("if(1, 2)").unwrap().call_problems(), vec![arity.clone()]);
    assert_eq!(f.eval_at("if(1, 2)", NodeRef::document(0)), Err(arity));
    assert_eq!(
        XPath::compile("concat(substr('a'))").unwrap().call_problems(),
        vec![XPathError::Arity { name: "substr".into(), given: 1 }]
    );
}

#[test]
fn an_unknown_function_in_a_branch_never_taken_is_harmless() {
    let f = Fixture::new();
    let root = NodeRef::document(0);
    assert_eq!(f.eval_at("false() and fancy-thing(1)", root), Ok(Value::Bool(false)));
    assert_eq!(f.eval_at("if(true(), 'yes', fancy-thing(1))", root), Ok(Value::Str("yes".into())));
}

#[test]
fn today_and_now_use_the_forms_time_zone() {
    let f = Fixture::new();
    assert_eq!(f.string("today()"), "2025-11-28");
    assert_eq!(f.string("format-date(now(), '%H:%M')"), "07:00");
}

#[test]
fn date_functions_of_an_unanswered_date_or_of_arithmetic_on_it_are_empty_as_in_javarosa() {
    let f = Fixture::new();
    // Rina's age exists and is empty: an unanswered question.
    let blank = "/data/member[name = 'Rina']/age";
    for expr in [
        format!("format-date({blank}, '%Y')"),
        format!("date({blank})"),
        format!("format-date(date({blank}) + 30, '%e %b')"),
        format!("date-time({blank})"),
        format!("decimal-date-time({blank})"),
        "date('')".to_owned(),
        "format-date(0 div 0, '%Y')".to_owned(),
    ] {
        assert_eq!(f.string(&expr), "", "{expr}");
    }
    // NaN stays NaN (a calculate stores it as empty).
    assert_eq!(f.string(&format!("date(date({blank}) + 30)")), "NaN");
    assert_eq!(f.string("date-time(0 div 0)"), "NaN");
    assert_eq!(f.string("format-date(date('2026-12-07') + 30, '%e %b')"), "6 Jan");
}

#[test]
fn uuid_is_version_four_and_random_is_repeatable_for_a_seed() {
    let f = Fixture::new();
    let again = Fixture::new();
    assert_eq!(f.string("random()"), again.string("random()"));
    let id = f.string("uuid()");
    assert_eq!(id.len(), 36);
    assert_eq!(&id[14..15], "4");
    assert!(matches!(&id[19..20], "8" | "9" | "a" | "b"));
    assert_eq!(f.string("string-length(uuid(12))"), "12");
}

#[test]
fn once_keeps_a_value_already_there() {
    let f = Fixture::new();
    assert_eq!(f.string_at("once(concat('x', 'y'))", "/data/hh/rooms"), "3");
    assert_eq!(f.string_at("once(concat('x', 'y'))", "/data/meta/instanceID"), "xy");
}

#[test]
fn geofence_tells_inside_from_outside_of_a_shape_field() {
    let f = Fixture::new();
    assert_eq!(f.string("geofence('0.5 0.5 0 0', /data/geo/plot)"), "true");
    assert_eq!(f.string("geofence('1.5 0.5 0 0', /data/geo/plot)"), "false");
    assert!(f.eval_at("geofence('north', /data/geo/plot)", NodeRef::document(0)).is_err());
    let literal = "geofence('0.5 0.5', '0 0;0 1;1 1;1 0;0 0')";
    assert!(f.eval_at(literal, NodeRef::document(0)).is_err(), "JavaRosa needs a field");
}

#[test]
fn distance_measures_a_trace_given_as_a_field_a_string_or_several_points() {
    let f = Fixture::new();
    let one_degree_at_the_equator = 6_378_100.0 * std::f64::consts::PI / 180.0;
    for expr in
        ["distance(/data/geo/trace)", "distance('0 0 0 0;0 1 0 0')", "distance('0 0', '0 1')"]
    {
        let metres: f64 = f.string(expr).parse().unwrap();
        assert!((metres - one_degree_at_the_equator).abs() < 1e-6, "{expr} gave {metres}");
    }
    assert_eq!(f.string("distance('0 0')"), "0");
    assert_eq!(f.string("distance('')"), "0");
    assert!(f.eval_at("distance('north')", NodeRef::document(0)).is_err());
}

#[test]
fn area_of_a_one_degree_square_at_the_equator_is_about_a_square_degree() {
    let f = Fixture::new();
    let side = 6_378_100.0 * std::f64::consts::PI / 180.0;
    let area: f64 = f.string("area(/data/geo/plot)").parse().unwrap();
    assert!((area / (side * side) - 1.0).abs() < 1e-3, "{area}");
    assert_eq!(f.string("enclosed-area(/data/geo/trace)"), "0");
}

#[test]
fn indexed_repeat_picks_the_value_inside_the_nth_instance() {
    let f = Fixture::new();
    assert_eq!(f.string("indexed-repeat(/data/member/name, /data/member, 2)"), "Siti");
    assert_eq!(f.string("indexed-repeat(/data/member/name, /data/member, 1 + 2)"), "Rina");
    assert_eq!(f.string("indexed-repeat(/data/member/name, /data/member, 9)"), "");
}

#[test]
fn pulldata_looks_up_a_column_by_key() {
    let f = Fixture::new();
    assert_eq!(f.string("pulldata('desa', 'label', 'name', '2003')"), "Lembang");
    assert_eq!(f.string("pulldata('desa', 'label', 'name', '9999')"), "");
}

#[test]
fn indexed_filters_select_exactly_what_scanning_selects() {
    let f = Fixture::new();
    let index = ItemIndex::default();
    for expr in [
        "instance('desa')/root/item[kec = '01']/name",
        "instance('desa')/root/item['02' = kec]/name",
        "instance('desa')/root/item[kec = /data/hh/rooms]/name",
        "instance('desa')/root/item[kec = 1]/name",
        "instance('desa')/root/item[kec = '09']/name",
    ] {
        let eval = |index| f.eval_with(expr, NodeRef::document(0), index).unwrap();
        assert_eq!(eval(Some(&index)), eval(None), "{expr}");
    }
    assert!(
        format!("{index:?}").contains("1 indexes"),
        "one index serves every kec filter: {index:?}"
    );
}

/// Runs `work` on a thread with the stack the shells give the core (`CoreExecutor`: 8 MB).
fn on_a_core_thread<T: Send + 'static>(work: impl FnOnce() -> T + Send + 'static) -> T {
    std::thread::Builder::new().stack_size(8 * 1024 * 1024).spawn(work).unwrap().join().unwrap()
}

#[test]
fn hostile_nesting_is_refused_with_an_error_instead_of_overflowing_the_stack() {
    let deep_brackets = format!("{}1{}", "(".repeat(5_000), ")".repeat(5_000));
    let minuses = format!("{}1", "-".repeat(20_000));
    let long_sum = vec!["1"; 20_000].join(" + ");
    let deep_calls = format!("{}1{}", "abs(".repeat(5_000), ")".repeat(5_000));
    let deep_predicates = format!("/data/m{}", "[m".repeat(5_000) + &"]".repeat(5_000));
    for expr in [deep_brackets, minuses, long_sum, deep_calls, deep_predicates] {
        let error = on_a_core_thread(move || XPath::compile(&expr).unwrap_err());
        assert!(
            matches!(error, XPathError::TooDeep { limit: parser::MAX_NESTING, .. }),
            "{error:?}"
        );
        assert!(error.to_string().contains("nests deeper than 256 levels"), "{error}");
    }
}

#[test]
fn expressions_just_inside_the_nesting_bound_evaluate_on_a_core_thread() {
    let (ifs, sum, minuses) = on_a_core_thread(|| {
        let f = Fixture::new();
        let depth = parser::MAX_NESTING - 2;
        let ifs = format!("{}1{}", "if(true(), ".repeat(depth), ", 0)".repeat(depth));
        let sum = vec!["1"; parser::MAX_NESTING - 2].join(" + ");
        let minuses = format!("{}1", "-".repeat(parser::MAX_NESTING - 2));
        (f.string(&ifs), f.string(&sum), f.string(&minuses))
    });
    assert_eq!(ifs, "1");
    assert_eq!(sum, (parser::MAX_NESTING - 2).to_string());
    assert_eq!(minuses, "1");
}
