// Our own driver for JavaRosa 5.1.0 (inside ODK_Validate.jar from the pyxform 4.5.0 wheel): times opening a form
// cold (first use in this JVM) and warm (median after warm-up), the live heap it holds, and, with "roster",
// answer commits on a 20-member repeat, and the finalize check and submission XML of a form a scenario fills in. Prints one JSON line. Run through ./bench.sh.
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.File;
import java.util.Arrays;
import org.javarosa.core.model.FormDef;
import org.javarosa.core.model.FormIndex;
import org.javarosa.core.model.ValidateOutcome;
import org.javarosa.model.xform.XFormSerializingVisitor;
import org.javarosa.core.model.data.StringData;
import org.javarosa.form.api.FormEntryController;
import org.javarosa.test.Scenario;

public class JavaRosaBench {
    public static void main(String[] args) throws Exception {
        File form = new File(args[0]);
        int warmups = Integer.parseInt(args[1]);
        int runs = Integer.parseInt(args[2]);
        String roster = args.length > 3 ? args[3] : null;

        long started = System.nanoTime();
        Scenario.init(form);
        double coldMs = (System.nanoTime() - started) / 1e6;
        for (int i = 0; i < warmups; i++) {
            Scenario.init(form);
        }
        long[] opens = new long[runs];
        for (int i = 0; i < runs; i++) {
            long s = System.nanoTime();
            Scenario.init(form);
            opens[i] = System.nanoTime() - s;
        }
        Arrays.sort(opens);

        long before = usedHeap();
        Scenario held = Scenario.init(form);
        long after = usedHeap();

        String answers = "";
        if (roster != null) {
            // roster = "/data/art:/data/art[%d]/q402"
            String[] parts = roster.split(":");
            for (int i = 0; i < 20; i++) {
                held.createNewRepeat(parts[0]);
            }
            // Resolve each question's index first and time only the commit with recompute, as the
            // engine side times `Session::answer`.
            FormIndex[] indexes = new FormIndex[20];
            for (int m = 0; m < 20; m++) {
                indexes[m] = held.indexOf(String.format(parts[1], m + 1));
            }
            FormEntryController controller = held.getFormEntryController();
            long[] times = new long[2000];
            for (int i = 0; i < times.length; i++) {
                StringData value = new StringData(i % 2 == 0 ? "Budi Santoso" : "Siti Aminah");
                long s = System.nanoTime();
                controller.answerQuestion(indexes[i % 20], value, true);
                times[i] = System.nanoTime() - s;
            }
            double first = times[0] / 1e3;
            Arrays.sort(times);
            answers = String.format(",\"answer_first_us\":%.1f,\"answer_p50_us\":%.1f,\"answer_p99_us\":%.1f",
                first, times[times.length / 2] / 1e3, times[times.length * 99 / 100] / 1e3);

        }
        if (args.length > 4) {
            answers += completeForm(form, new File(args[4]));
        }
        System.out.printf("{\"form\":\"%s\",\"open_cold_ms\":%.1f,\"open_warm_median_ms\":%.1f,\"live_heap_mb\":%.1f%s}%n",
            form.getName(), coldMs, opens[runs / 2] / 1e6, (after - before) / 1e6, answers);
        if (held.hashCode() == 42) {
            System.err.println(); // keeps the held form reachable until it was measured
        }
    }

    /**
     * The finalize check and the submission XML of a form filled in completely by a scenario: JavaRosa's check
     * (validate with markCompleted, as ODK Collect finalizes) stops at the first violation, so only a form
     * without any is checked whole. Each is timed warm, as a median.
     */
    private static String completeForm(File form, File scenarioFile) throws Exception {
        Scenario complete = Scenario.init(form);
        for (JsonNode step : new ObjectMapper().readTree(scenarioFile).path("steps")) {
            JavaRosaRun.answer(complete, step.path("ref").asText(), step.path("value").asText());
        }
        FormDef def = complete.getFormDef();
        ValidateOutcome outcome = def.validate(true);
        long[] validations = timeRepeated(200, () -> def.validate(true));
        long[] serializations = timeRepeated(200, () -> {
            try {
                new XFormSerializingVisitor().serializeInstance(def.getMainInstance());
            } catch (java.io.IOException e) {
                throw new RuntimeException(e);
            }
        });
        return String.format(
            ",\"validate_median_us\":%.1f,\"validate_first_failure\":%s,\"submission_median_us\":%.1f",
            validations[100] / 1e3, outcome == null ? "null" : "\"" + outcome.failedPrompt + "\"",
            serializations[100] / 1e3);
    }

    private static long[] timeRepeated(int runs, Runnable work) {
        for (int i = 0; i < runs; i++) {
            work.run();
        }
        long[] times = new long[runs];
        for (int i = 0; i < runs; i++) {
            long s = System.nanoTime();
            work.run();
            times[i] = System.nanoTime() - s;
        }
        Arrays.sort(times);
        return times;
    }

    private static long usedHeap() throws InterruptedException {
        Runtime runtime = Runtime.getRuntime();
        for (int i = 0; i < 3; i++) {
            System.gc();
            Thread.sleep(100);
        }
        return runtime.totalMemory() - runtime.freeMemory();
    }
}
