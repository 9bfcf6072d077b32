// Our own driver for JavaRosa 5.1.0 (inside ODK_Validate.jar from the pyxform 4.5.0 wheel): records what JavaRosa
// answers for XPath conformance cases (the "XPath case format" of test-fixtures/conformance/README.md).
//
// Reads JSONL cases on stdin and writes each case line again on stdout with `javarosa_actual` filled in and
// "javarosa@5.1.0" added to `verified_by`. For each case:
//   - the context document `context_xml` (null = <data/>) is loaded the way JavaRosa loads a form's instance data
//     (XFormParser.restoreDataModel: leaf text is trimmed, whitespace-only text is ignored, text beside child
//     elements is ignored, attributes are kept); each `secondary_instances` entry (id -> XML) becomes a
//     FormInstance named by its id, addressable as instance('id');
//   - the context node is `context_path` (a canonical absolute path such as /data/a[2]/b, positions 1-based, no
//     position = the first), or the document root when null;
//   - the default time zone is `tz` (default UTC) and the default locale `locale` (default "en");
//   - `expr` is parsed with XPathParseTool and evaluated with XPathExpression.eval(mainInstance, context);
//   - the value is coerced as JavaRosa's XPathFuncExpr does for `result_type`: boolean -> toBoolean, number ->
//     toNumeric, string and date -> toString (a date becomes yyyy-mm-dd, as in JavaRosa's own string conversion),
//     throws -> {"value": toString(value)} when nothing was thrown; parse_only -> {"parsed": true}.
//   - any exception (parsing, evaluation or coercion) gives {"error": "SimpleClassName: message"}.
// Identity hashes in messages (Object@1b2c3d) are replaced by "@<hash>" so that recordings are reproducible.
// NaN and infinities are written as the strings "NaN", "Infinity", "-Infinity"; integral numbers as integers.
// A case with an `expected_parse` field (parse-tree cases from JavaRosa's XPathParseTest) also gets
// `javarosa_parse`: JavaRosa's rendering of the parse tree (XPathExpression.toString) or {"error": ...}.
// `javarosa_value_class` records the Java class of the uncoerced value (Double, String, Boolean, Date, ...).
// A case that the driver itself cannot set up (unparseable context XML, context node missing, timeout) gets
// `javarosa_actual: null` and `javarosa_undetermined: "<reason>"`.
//
// Usage: java -cp "$(tools/javarosa/setup.sh)" XPathRun [timeout-ms] < cases.jsonl > recorded.jsonl
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedReader;
import java.io.ByteArrayInputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Locale;
import java.util.Map;
import java.util.TimeZone;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.javarosa.core.model.condition.EvaluationContext;
import org.javarosa.core.model.instance.DataInstance;
import org.javarosa.core.model.instance.FormInstance;
import org.javarosa.core.model.instance.TreeElement;
import org.javarosa.core.model.instance.TreeReference;
import org.javarosa.xform.parse.XFormParser;
import org.javarosa.xpath.XPathParseTool;
import org.javarosa.xpath.expr.XPathExpression;
import org.javarosa.xpath.expr.XPathFuncExpr;

public class XPathRun {
    /** Thrown for a case the driver cannot set up; its result is undetermined rather than a JavaRosa error. */
    static class Undetermined extends Exception {
        Undetermined(String reason) {
            super(reason);
        }
    }

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    private static final Pattern STEP = Pattern.compile("([^/\\[\\]]+)(?:\\[(\\d+)\\])?");

    public static void main(String[] args) throws Exception {
        long timeoutMs = args.length > 0 ? Long.parseLong(args[0]) : 10000;
        // JavaRosa logs through slf4j; keep stdout for JSON lines only.
        PrintStream out = new PrintStream(new java.io.FileOutputStream(java.io.FileDescriptor.out), true, "UTF-8");
        System.setOut(System.err);
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        ExecutorService pool = newPool();
        String line;
        while ((line = in.readLine()) != null) {
            if (line.trim().isEmpty()) {
                continue;
            }
            ObjectNode c = (ObjectNode) JSON.readTree(line);
            Future<Object[]> future = pool.submit(() -> record(c));
            Object[] got;
            try {
                got = future.get(timeoutMs, TimeUnit.MILLISECONDS);
            } catch (TimeoutException e) {
                future.cancel(true);
                pool.shutdownNow();
                pool = newPool(); // the stuck thread is a daemon and is abandoned
                got = new Object[] {null, null, "timeout after " + timeoutMs + " ms"};
            } catch (java.util.concurrent.ExecutionException e) {
                got = new Object[] {null, null, "driver failure: " + describe(e.getCause())};
            }
            if (c.has("expected_parse")) {
                c.set("javarosa_parse", parseTree(c.path("expr").asText()));
            }
            c.set("javarosa_actual", got[0] == null ? NODES.nullNode() : (JsonNode) got[0]);
            if (got[1] != null) {
                c.put("javarosa_value_class", (String) got[1]);
            } else {
                c.remove("javarosa_value_class");
            }
            if (got[2] != null) {
                c.put("javarosa_undetermined", (String) got[2]);
            } else {
                c.remove("javarosa_undetermined");
                ArrayNode verifiedBy = c.has("verified_by") && c.get("verified_by").isArray()
                    ? (ArrayNode) c.get("verified_by") : c.putArray("verified_by");
                boolean has = false;
                for (JsonNode v : verifiedBy) {
                    has |= v.asText().equals("javarosa@5.1.0");
                }
                if (!has) {
                    verifiedBy.add("javarosa@5.1.0");
                }
            }
            out.println(JSON.writeValueAsString(c));
        }
        pool.shutdownNow();
        out.flush();
        System.exit(0);
    }

    private static ExecutorService newPool() {
        return Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "xpath-case");
            t.setDaemon(true);
            return t;
        });
    }

    /** Returns {javarosa_actual, value class, undetermined reason}. */
    static Object[] record(JsonNode c) {
        String tz = c.path("tz").isTextual() ? c.get("tz").asText() : "UTC";
        String locale = c.path("locale").isTextual() ? c.get("locale").asText() : "en";
        TimeZone.setDefault(TimeZone.getTimeZone(tz));
        Locale.setDefault(Locale.forLanguageTag(locale));
        String resultType = c.path("result_type").asText();

        EvaluationContext ec;
        FormInstance main;
        try {
            String xml = c.path("context_xml").isTextual() ? c.get("context_xml").asText() : "<data/>";
            main = load(xml, null);
            HashMap<String, DataInstance> instances = new HashMap<>();
            JsonNode secondary = c.path("secondary_instances");
            if (secondary.isObject()) {
                Iterator<Map.Entry<String, JsonNode>> it = secondary.fields();
                while (it.hasNext()) {
                    Map.Entry<String, JsonNode> e = it.next();
                    instances.put(e.getKey(), load(e.getValue().asText(), e.getKey()));
                }
            }
            ec = new EvaluationContext(main, instances);
            if (c.path("context_path").isTextual()) {
                TreeReference ref = contextRef(c.get("context_path").asText());
                if (main.resolveReference(ref) == null) {
                    throw new Undetermined("context node " + c.get("context_path").asText() + " not in the document");
                }
                ec = new EvaluationContext(ec, ref);
            }
        } catch (Undetermined e) {
            return new Object[] {null, null, e.getMessage()};
        } catch (Throwable t) {
            return new Object[] {null, null, "cannot load the context: " + describe(t)};
        }

        Object value;
        try {
            XPathExpression xpe = XPathParseTool.parseXPath(c.path("expr").asText());
            if (resultType.equals("parse_only")) {
                ObjectNode parsed = NODES.objectNode();
                parsed.put("parsed", true);
                return new Object[] {parsed, null, null};
            }
            value = xpe.eval(main, ec);
        } catch (Throwable t) {
            return new Object[] {error(t), null, null};
        }
        String valueClass = value == null ? "null" : value.getClass().getSimpleName();
        try {
            switch (resultType) {
                case "boolean":
                    return new Object[] {NODES.booleanNode(XPathFuncExpr.toBoolean(value)), valueClass, null};
                case "number":
                    return new Object[] {number(XPathFuncExpr.toNumeric(value)), valueClass, null};
                case "string":
                case "date":
                    return new Object[] {NODES.textNode(XPathFuncExpr.toString(value)), valueClass, null};
                case "throws": {
                    ObjectNode o = NODES.objectNode();
                    o.put("value", XPathFuncExpr.toString(value));
                    return new Object[] {o, valueClass, null};
                }
                default:
                    return new Object[] {null, valueClass, "unknown result_type " + resultType};
            }
        } catch (Throwable t) {
            return new Object[] {error(t), valueClass, null};
        }
    }

    /** JavaRosa's own rendering of the parse tree (XPathExpression.toString), as XPathParseTest compares it. */
    static JsonNode parseTree(String expr) {
        try {
            XPathExpression xpe = XPathParseTool.parseXPath(expr);
            return xpe == null ? NODES.nullNode() : NODES.textNode(xpe.toString());
        } catch (Throwable t) {
            return error(t);
        }
    }

    static FormInstance load(String xml, String id) throws Exception {
        FormInstance fi = XFormParser.restoreDataModel(
            new ByteArrayInputStream(xml.getBytes(StandardCharsets.UTF_8)), null);
        if (id == null) {
            return fi;
        }
        TreeElement root = fi.getRoot();
        FormInstance named = new FormInstance(root, id);
        named.setName(id);
        return named;
    }

    static TreeReference contextRef(String path) throws Undetermined {
        if (path.equals("/")) {
            return TreeReference.rootRef();
        }
        if (!path.startsWith("/")) {
            throw new Undetermined("context path is not absolute: " + path);
        }
        TreeReference ref = TreeReference.rootRef();
        for (String step : path.substring(1).split("/", -1)) {
            Matcher m = STEP.matcher(step);
            if (!m.matches()) {
                throw new Undetermined("context path step not a name[n]: " + step);
            }
            int mult = m.group(2) == null ? 0 : Integer.parseInt(m.group(2)) - 1;
            ref.add(m.group(1), mult);
        }
        return ref;
    }

    static JsonNode number(Double d) {
        if (d.isNaN()) {
            return NODES.textNode("NaN");
        }
        if (d.isInfinite()) {
            return NODES.textNode(d > 0 ? "Infinity" : "-Infinity");
        }
        if (d == Math.rint(d) && Math.abs(d) < 9.007199254740992E15 && !(d == 0 && 1 / d < 0)) {
            return NODES.numberNode(d.longValue());
        }
        return NODES.numberNode(d);
    }

    static ObjectNode error(Throwable t) {
        ObjectNode o = NODES.objectNode();
        o.put("error", describe(t));
        return o;
    }

    static String describe(Throwable t) {
        String message = t.getMessage();
        if (message != null) {
            // Some messages print parser objects with their identity hash (Foo@51efea79), which changes per run.
            message = message.replaceAll("@[0-9a-f]{4,8}\\b", "@<hash>");
        }
        return t.getClass().getSimpleName() + (message == null ? "" : ": " + message);
    }
}
