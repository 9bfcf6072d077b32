// Our own driver for JavaRosa 5.1.0 (inside ODK_Validate.jar from the pyxform 4.5.0 wheel): loads a form, replays
// a scenario (JSON on stdin, the format of test-fixtures/conformance/README.md), pages through the form before each
// snapshot as a user would, and prints step results, every instance node and the submission XML as JSON.
// Used by tools/conformance --live.
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.File;
import java.lang.reflect.Method;
import java.nio.charset.StandardCharsets;
import org.javarosa.core.model.Constants;
import org.javarosa.core.model.FormIndex;
import org.javarosa.core.model.data.IAnswerData;
import org.javarosa.core.model.instance.FormInstance;
import org.javarosa.core.model.instance.TreeElement;
import org.javarosa.core.model.instance.TreeReference;
import org.javarosa.form.api.FormEntryController;
import org.javarosa.model.xform.XFormSerializingVisitor;
import org.javarosa.test.Scenario;
import org.javarosa.xform.util.XFormAnswerDataParser;

public class JavaRosaRun {
    public static void main(String[] args) throws Exception {
        ObjectMapper json = new ObjectMapper();
        JsonNode scenario = json.readTree(System.in);
        useTimeZone(scenario.path("tz").asText("UTC"));
        ObjectNode out = json.createObjectNode();
        Scenario form;
        try {
            FormMedia.register(new File(args[0]));
            form = Scenario.init(new File(args[0]));
        } catch (Exception e) {
            out.put("load", "error");
            out.put("error", e.toString());
            System.out.println(json.writeValueAsString(out));
            return;
        }
        out.put("load", "ok");
        if (scenario.path("initial_snapshot").asBoolean(false)) {
            pageThrough(form);
            out.set("initial", snapshot(json, form));
        }
        ArrayNode steps = out.putArray("steps");
        for (JsonNode step : scenario.path("steps")) {
            String op = step.path("op").asText();
            String ref = step.path("ref").asText();
            ObjectNode result = steps.addObject();
            result.put("op", op);
            result.put("ref", ref);
            try {
                switch (op) {
                    case "answer":
                        result.put("result", answer(form, ref, step.path("value").asText()));
                        break;
                    case "add_repeat":
                        form.createNewRepeat(ref);
                        result.put("result", "ok");
                        break;
                    case "remove_repeat":
                        form.removeRepeat(ref);
                        result.put("result", "ok");
                        break;
                    case "set_language":
                        form.setLanguage(step.path("value").asText());
                        result.put("result", "ok");
                        break;
                    default:
                        result.put("result", "error");
                        result.put("message", "unknown op " + op);
                }
            } catch (Exception e) {
                result.put("result", "error");
                result.put("message", e.toString());
            }
        }
        pageThrough(form);
        out.set("final", snapshot(json, form));
        System.out.println(json.writerWithDefaultPrettyPrinter().writeValueAsString(out));
    }

    /** The scenario's zone ("UTC" or an offset such as "+07:00"), set before JavaRosa reads it. */
    static void useTimeZone(String tz) {
        java.util.TimeZone zone = java.util.TimeZone.getTimeZone(tz.startsWith("+") || tz.startsWith("-") ? "GMT" + tz : tz);
        java.util.TimeZone.setDefault(zone);
        org.joda.time.DateTimeZone.setDefault(org.joda.time.DateTimeZone.forTimeZone(zone));
    }

    /**
     * Answers as ODK Collect's widgets do: with data of the question's type. (Scenario.answer(String)
     * commits text, so a date or a number would reach constraints as a string.)
     */
    static String answer(Scenario form, String ref, String value) throws Exception {
        Method createMissingRepeats = Scenario.class.getDeclaredMethod("createMissingRepeats", String.class);
        createMissingRepeats.setAccessible(true);
        createMissingRepeats.invoke(form, ref);
        FormIndex index = form.indexOf(ref);
        FormEntryController controller = form.getFormEntryController();
        int type = controller.getModel().getQuestionPrompt(index).getDataType();
        if (!TYPED.contains(type)) {
            return form.answer(ref, value).name().toLowerCase();
        }
        controller.jumpToIndex(index);
        IAnswerData data = value.isEmpty() ? null
            : XFormAnswerDataParser.getAnswerData(value, type, controller.getModel().getQuestionPrompt(index).getQuestion());
        switch (controller.answerQuestion(index, data, true)) {
            case FormEntryController.ANSWER_OK: return "ok";
            case FormEntryController.ANSWER_REQUIRED_BUT_EMPTY: return "required_but_empty";
            case FormEntryController.ANSWER_CONSTRAINT_VIOLATED: return "constraint_violated";
            default: return "error";
        }
    }

    private static final java.util.Set<Integer> TYPED = java.util.Set.of(
        Constants.DATATYPE_INTEGER, Constants.DATATYPE_DECIMAL, Constants.DATATYPE_DATE, Constants.DATATYPE_TIME,
        Constants.DATATYPE_DATE_TIME, Constants.DATATYPE_GEOPOINT, Constants.DATATYPE_LONG,
        // A select-multiple answer as a list of selections (not one selection spelled "a b").
        Constants.DATATYPE_MULTIPLE_ITEMS);

    /**
     * Pages through the form as a person does in ODK Collect: each question shown, so each select
     * computes its choices, and (as Collect's display does, through ItemsetBinding) an answer its
     * filter no longer offers is dropped.
     */
    private static void pageThrough(Scenario form) {
        form.jumpToBeginningOfForm();
        while (!form.atTheEndOfForm()) {
            form.next();
            FormEntryController controller = form.getFormEntryController();
            if (controller.getModel().getEvent() == FormEntryController.EVENT_QUESTION) {
                controller.getModel().getQuestionPrompt().getSelectChoices();
            }
        }
    }

    private static ObjectNode snapshot(ObjectMapper json, Scenario form) throws Exception {
        ObjectNode snapshot = json.createObjectNode();
        FormInstance instance = form.getFormDef().getMainInstance();
        walk(instance.getRoot(), "", snapshot.putArray("nodes"));
        byte[] xml = new XFormSerializingVisitor().serializeInstance(instance);
        snapshot.put("submission_xml", new String(xml, StandardCharsets.UTF_8));
        return snapshot;
    }

    private static void walk(TreeElement element, String parent, ArrayNode nodes) {
        if (element.getMult() == TreeReference.INDEX_TEMPLATE) {
            return;
        }
        String ref = parent + "/" + element.getName() + (element.isRepeatable() ? "[" + (element.getMult() + 1) + "]" : "");
        ObjectNode node = nodes.addObject();
        node.put("ref", ref);
        if (element.getNumChildren() == 0) {
            node.put("value", element.getValue() == null ? "" : element.getValue().uncast().getString());
        }
        node.put("relevant", element.isRelevant());
        if (element.isRequired()) {
            node.put("required", true);
        }
        if (!element.isEnabled()) { // JavaRosa calls readonly "not enabled"
            node.put("readonly", true);
        }
        for (int i = 0; i < element.getNumChildren(); i++) {
            walk(element.getChildAt(i), ref, nodes);
        }
    }
}
