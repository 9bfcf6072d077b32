// Generates a conformance scenario (test-fixtures/conformance/README.md format) for a form by walking it with
// JavaRosa 5.1.0's FormEntryController as a user would: each relevant, writable question it meets is answered with
// a plausible value of its type (retrying a few candidates when a constraint rejects one), each repeat it can add
// gets one or two instances, uploads are skipped. Deterministic for a given form and seed.
//
//   java -cp "$(tools/javarosa/setup.sh)" ScenarioGen form.xml load|fill|change [seed] > scenario.json
//
// load: no steps. fill: the generated answers. change: fill, then changes earlier answers, clears a select and
// removes a repeat instance (prints nothing and exits 3 when the walk gave nothing to change).
// nondeterministic_refs: the leaves whose value differs between two fresh loads (instanceID, start, ...).
// Answers go through JavaRosaRun.answer, the same path JavaRosaRun replays them with.
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.File;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeSet;
import org.javarosa.core.model.Constants;
import org.javarosa.core.model.FormIndex;
import org.javarosa.core.model.QuestionDef;
import org.javarosa.core.model.RangeQuestion;
import org.javarosa.core.model.SelectChoice;
import org.javarosa.core.model.instance.FormInstance;
import org.javarosa.core.model.instance.TreeElement;
import org.javarosa.core.model.instance.TreeReference;
import org.javarosa.form.api.FormEntryController;
import org.javarosa.form.api.FormEntryPrompt;
import org.javarosa.test.Scenario;

public class ScenarioGen {
    static final int MAX_EVENTS = 3000;
    static final int MAX_ANSWERS = 400;

    /** What the walk answered, for the change scenario. */
    static class Answered {
        String ref, value;
        int dataType, controlType;
        List<String> choices = new ArrayList<>();
        boolean inRepeat, required;
    }

    final Scenario form;
    final Random random;
    final ArrayNode steps;
    final List<Answered> answered = new ArrayList<>();
    final Map<String, Integer> repeatAdds = new LinkedHashMap<>();
    int answers = 0;

    ScenarioGen(Scenario form, long seed, ArrayNode steps) {
        this.form = form;
        this.random = new Random(seed);
        this.steps = steps;
    }

    public static void main(String[] args) throws Exception {
        File file = new File(args[0]);
        FormMedia.register(file); // jr://file/ and jr://file-csv/ files beside the form, as JavaRosaRun serves them
        String mode = args.length > 1 ? args[1] : "fill";
        long seed = args.length > 2 ? Long.parseLong(args[2]) : 1L;
        seed = seed * 31 + file.getAbsoluteFile().getParentFile().getName().hashCode();
        ObjectMapper json = new ObjectMapper();
        ObjectNode scenario = json.createObjectNode();
        scenario.put("form", "form.xml");
        scenario.put("initial_snapshot", true);
        ArrayNode steps = scenario.putArray("steps");
        if (!mode.equals("load")) {
            ScenarioGen gen = new ScenarioGen(Scenario.init(file), seed, steps);
            gen.walk();
            if (mode.equals("change") && !gen.addChanges()) {
                System.exit(3);
            }
        }
        ArrayNode masked = scenario.putArray("nondeterministic_refs");
        for (String ref : nondeterministic(file)) {
            masked.add(ref);
        }
        scenario.put("tz", "UTC");
        scenario.put("locale", "en-US");
        System.out.println(json.writerWithDefaultPrettyPrinter().writeValueAsString(scenario));
    }

    void walk() throws Exception {
        FormEntryController controller = form.getFormEntryController();
        form.jumpToBeginningOfForm();
        for (int events = 0; events < MAX_EVENTS; events++) {
            int event = controller.stepToNextEvent();
            if (event == FormEntryController.EVENT_END_OF_FORM) {
                return;
            }
            FormIndex index = controller.getModel().getFormIndex();
            if (event == FormEntryController.EVENT_PROMPT_NEW_REPEAT) {
                TreeReference reference = index.getReference();
                String generic = refString(reference, true);
                int existing = reference.getMultiplicity(reference.size() - 1);
                boolean nested = generic.substring(0, generic.lastIndexOf('/')).contains("[");
                int target = nested ? 1 : 1 + random.nextInt(2);
                if (existing < target && answers < MAX_ANSWERS) {
                    try {
                        form.createNewRepeat(generic);
                    } catch (RuntimeException e) {
                        System.err.println("add_repeat " + generic + ": " + e);
                        controller.jumpToIndex(index);
                        continue;
                    }
                    ObjectNode step = steps.addObject();
                    step.put("op", "add_repeat");
                    step.put("ref", generic);
                    repeatAdds.merge(generic, 1, Integer::sum);
                    // The index of the prompt now names the new instance: continue into it.
                    controller.jumpToIndex(index);
                }
                continue;
            }
            if (event != FormEntryController.EVENT_QUESTION || answers >= MAX_ANSWERS) {
                continue;
            }
            FormEntryPrompt prompt = controller.getModel().getQuestionPrompt();
            if (prompt.isReadOnly()) {
                continue;
            }
            List<String> choices = new ArrayList<>();
            List<String> candidates = candidates(prompt, choices);
            if (candidates.isEmpty()) {
                continue;
            }
            String ref = refString(index.getReference(), false);
            for (String value : candidates) {
                String result;
                try {
                    result = JavaRosaRun.answer(form, ref, value);
                } catch (Exception e) {
                    System.err.println("ScenarioGen: skipping " + ref + ": " + (e.getCause() != null ? e.getCause() : e));
                    break;
                }
                ObjectNode step = steps.addObject();
                step.put("op", "answer");
                step.put("ref", ref);
                step.put("value", value);
                answers++;
                if (result.equals("ok")) {
                    Answered a = new Answered();
                    a.ref = ref;
                    a.value = value;
                    a.dataType = prompt.getDataType();
                    a.controlType = prompt.getControlType();
                    a.choices = choices;
                    a.inRepeat = ref.contains("[");
                    a.required = prompt.isRequired();
                    answered.add(a);
                    break;
                }
            }
            controller.jumpToIndex(index);
        }
    }

    /** Values to try, in order, for the question at the prompt; empty = skip it. */
    List<String> candidates(FormEntryPrompt prompt, List<String> choicesOut) {
        List<String> out = new ArrayList<>();
        int control = prompt.getControlType();
        int type = prompt.getDataType();
        if (control == Constants.CONTROL_UPLOAD || control == Constants.CONTROL_IMAGE_CHOOSE
            || control == Constants.CONTROL_AUDIO_CAPTURE || control == Constants.CONTROL_VIDEO_CAPTURE
            || control == Constants.CONTROL_OSM_CAPTURE || control == Constants.CONTROL_FILE_CAPTURE
            || type == Constants.DATATYPE_BINARY) {
            return out;
        }
        if (control == Constants.CONTROL_TRIGGER) {
            out.add("OK");
            return out;
        }
        if (control == Constants.CONTROL_SELECT_ONE || control == Constants.CONTROL_SELECT_MULTI
            || control == Constants.CONTROL_RANK) {
            List<SelectChoice> choices = prompt.getSelectChoices();
            if (choices == null || choices.isEmpty()) {
                return out;
            }
            for (SelectChoice c : choices) {
                choicesOut.add(c.getValue());
            }
            int n = choicesOut.size();
            if (control == Constants.CONTROL_RANK) {
                List<String> order = new ArrayList<>(choicesOut);
                if (n > 1) {
                    java.util.Collections.swap(order, 0, 1);
                }
                out.add(String.join(" ", order));
                return out;
            }
            int first = n > 1 ? random.nextInt(2) : 0;
            if (control == Constants.CONTROL_SELECT_ONE) {
                out.add(choicesOut.get(first));
                if (n > 1) {
                    out.add(choicesOut.get(1 - first));
                }
                if (n > 2) {
                    out.add(choicesOut.get(n - 1));
                }
            } else {
                if (n > 1) {
                    int second = first == 0 ? 1 + random.nextInt(n - 1) : 0;
                    if (second == first) second = (first + 1) % n;
                    int a = Math.min(first, second), b = Math.max(first, second);
                    out.add(choicesOut.get(a) + " " + choicesOut.get(b));
                }
                out.add(choicesOut.get(first));
                if (n > 1) {
                    out.add(choicesOut.get(n - 1));
                }
            }
            return out;
        }
        if (control == Constants.CONTROL_RANGE && prompt.getQuestion() instanceof RangeQuestion) {
            RangeQuestion range = (RangeQuestion) prompt.getQuestion();
            BigDecimal start = range.getRangeStart(), step = range.getRangeStep(), end = range.getRangeEnd();
            if (start != null && step != null) {
                BigDecimal v = start.add(step);
                if (end != null && v.compareTo(end.max(start)) > 0) v = start;
                out.add(type == Constants.DATATYPE_INTEGER ? String.valueOf(v.intValue()) : v.stripTrailingZeros().toPlainString());
                out.add(start.stripTrailingZeros().toPlainString());
                return out;
            }
        }
        switch (type) {
            case Constants.DATATYPE_INTEGER:
            case Constants.DATATYPE_LONG:
                out.add(String.valueOf(1 + random.nextInt(5)));
                out.add("12");
                out.add("0");
                out.add("30");
                out.add("100");
                break;
            case Constants.DATATYPE_DECIMAL:
                out.add("2.5");
                out.add("1.25");
                out.add("12.75");
                out.add("0.5");
                out.add("50");
                break;
            case Constants.DATATYPE_DATE:
                out.add("2026-12-07");
                out.add("2020-06-15");
                out.add("1990-03-21");
                break;
            case Constants.DATATYPE_TIME:
                out.add("10:30:00.000Z");
                out.add("08:15:00.000Z");
                break;
            case Constants.DATATYPE_DATE_TIME:
                out.add("2026-12-07T10:30:00.000Z");
                out.add("2020-06-15T08:15:00.000Z");
                break;
            case Constants.DATATYPE_GEOPOINT:
                out.add("-6.2 106.8 10 5");
                break;
            case Constants.DATATYPE_GEOTRACE:
                out.add("-6.2 106.8 0 0;-6.21 106.81 0 0");
                break;
            case Constants.DATATYPE_GEOSHAPE:
                out.add("-6.2 106.8 0 0;-6.21 106.81 0 0;-6.22 106.8 0 0;-6.2 106.8 0 0");
                break;
            case Constants.DATATYPE_BARCODE:
                out.add("abc123");
                break;
            case Constants.DATATYPE_BOOLEAN:
                out.add("true");
                break;
            default:
                out.add("abc");
                out.add("Abc Def");
                out.add("12345");
                out.add("test@example.com");
                break;
        }
        return out;
    }

    /** Appends the change steps; false when there is nothing to change. */
    boolean addChanges() {
        int before = steps.size();
        Answered select1 = null, select = null, scalar = null;
        for (Answered a : answered) {
            if (select1 == null && a.controlType == Constants.CONTROL_SELECT_ONE && a.choices.size() > 1) {
                select1 = a;
            } else if (select == null && !a.required && (a.controlType == Constants.CONTROL_SELECT_MULTI
                || a.controlType == Constants.CONTROL_SELECT_ONE)) {
                // Cleared only when not required: JavaRosaRun commits "" to a select as StringData(""), not null,
                // so clearing a required select would record "ok" where Collect reports it required.
                select = a;
            } else if (scalar == null && a.controlType == Constants.CONTROL_INPUT
                && (a.dataType == Constants.DATATYPE_INTEGER || a.dataType == Constants.DATATYPE_DECIMAL
                    || a.dataType == Constants.DATATYPE_TEXT || a.dataType == Constants.DATATYPE_DATE)) {
                scalar = a;
            }
        }
        if (select1 != null) {
            for (String c : select1.choices) {
                if (!c.equals(select1.value)) {
                    answer(select1.ref, c);
                    break;
                }
            }
        }
        if (scalar != null) {
            String other;
            switch (scalar.dataType) {
                case Constants.DATATYPE_INTEGER: other = "7"; break;
                case Constants.DATATYPE_DECIMAL: other = "3.75"; break;
                case Constants.DATATYPE_DATE: other = "2021-02-28"; break;
                default: other = "xyz";
            }
            answer(scalar.ref, other);
        }
        if (select != null) {
            answer(select.ref, "");
        } else if (select1 != null && !select1.required) {
            answer(select1.ref, "");
        }
        // Removes the first instance of a repeat the walk added to: preferably a top-level repeat with two
        // instances (the second is renumbered), else a top-level one with one, else a nested one.
        String remove = null;
        int best = 0;
        for (Map.Entry<String, Integer> e : repeatAdds.entrySet()) {
            if (holdsRepeat(e.getKey() + "[1]")) {
                // Scenario.removeRepeat deletes the repeat of the first child that has a form index: with a
                // nested repeat there, it would delete the nested instance instead of the one named.
                continue;
            }
            boolean top = !e.getKey().substring(0, e.getKey().lastIndexOf('/')).contains("[");
            int score = (top ? 2 : 0) + (e.getValue() >= 2 ? 1 : 0) + 1;
            if (score > best) {
                best = score;
                remove = e.getKey();
            }
        }
        if (remove != null) {
            ObjectNode step = steps.addObject();
            step.put("op", "remove_repeat");
            step.put("ref", remove + "[1]");
        }
        return steps.size() > before;
    }

    /** Whether the repeat instance at ref has a repeat (an instance or the template) among its descendants. */
    boolean holdsRepeat(String ref) {
        TreeElement element = form.getFormDef().getMainInstance().resolveReference(form.expandSingle(Scenario.getRef(ref)));
        return element == null || holdsRepeat(element);
    }

    static boolean holdsRepeat(TreeElement element) {
        for (int i = 0; i < element.getNumChildren(); i++) {
            TreeElement child = element.getChildAt(i);
            if (child.isRepeatable() || child.getMult() == TreeReference.INDEX_TEMPLATE || holdsRepeat(child)) {
                return true;
            }
        }
        return false;
    }

    void answer(String ref, String value) {
        ObjectNode step = steps.addObject();
        step.put("op", "answer");
        step.put("ref", ref);
        step.put("value", value);
    }

    /**
     * /data/member[2]/age: 1-based positions on repeatable steps; generic leaves the last step bare. A group above a
     * repeat gets [1] (/data/group[1]/member[2]/age): without it Scenario's reference is ambiguous.
     */
    String refString(TreeReference reference, boolean generic) {
        FormInstance instance = form.getFormDef().getMainInstance();
        int n = reference.size();
        boolean[] repeatable = new boolean[n];
        int lastRepeat = generic ? n - 1 : -1;
        for (int i = 0; i < n; i++) {
            if (generic && i == n - 1) {
                break;
            }
            TreeElement element = instance.resolveReference(reference.getSubReference(i));
            repeatable[i] = element != null ? element.isRepeatable()
                : templateRepeatable(instance, reference.getSubReference(i));
            if (repeatable[i]) {
                lastRepeat = i;
            }
        }
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < n; i++) {
            out.append('/').append(reference.getName(i));
            if (generic && i == n - 1) {
                break;
            }
            if (repeatable[i] || (i > 0 && i < lastRepeat)) {
                out.append('[').append(reference.getMultiplicity(i) + 1).append(']');
            }
        }
        return out.toString();
    }

    static boolean templateRepeatable(FormInstance instance, TreeReference ref) {
        TreeReference template = ref.genericize();
        TreeElement t = instance.getTemplatePath(template);
        return t != null && t.isRepeatable();
    }

    /** Generic refs of leaves whose values differ between two fresh loads (each paged through). */
    static TreeSet<String> nondeterministic(File file) throws Exception {
        Map<String, String> a = leaves(file), b;
        Thread.sleep(1100);
        b = leaves(file);
        TreeSet<String> out = new TreeSet<>();
        for (String ref : a.keySet()) {
            if (!a.get(ref).equals(b.getOrDefault(ref, ""))) {
                out.add(ref.replaceAll("\\[\\d+\\]", ""));
            }
        }
        return out;
    }

    static Map<String, String> leaves(File file) throws Exception {
        Scenario form = Scenario.init(file);
        form.jumpToBeginningOfForm();
        while (!form.atTheEndOfForm()) {
            form.next();
        }
        Map<String, String> out = new LinkedHashMap<>();
        collect(form.getFormDef().getMainInstance().getRoot(), "", out);
        return out;
    }

    static void collect(TreeElement element, String parent, Map<String, String> out) {
        if (element.getMult() == TreeReference.INDEX_TEMPLATE) {
            return;
        }
        String ref = parent + "/" + element.getName() + (element.isRepeatable() ? "[" + (element.getMult() + 1) + "]" : "");
        if (element.getNumChildren() == 0) {
            out.put(ref, element.getValue() == null ? "" : element.getValue().uncast().getString());
        }
        for (int i = 0; i < element.getNumChildren(); i++) {
            collect(element.getChildAt(i), ref, out);
        }
    }
}
