import java.io.FileOutputStream;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.runner.Description;
import org.junit.runner.JUnitCore;
import org.junit.runner.Result;
import org.junit.runner.notification.Failure;
import org.junit.runner.notification.RunListener;

/**
 * Runs JUnit 4 test classes and writes each test's outcome as JSON to the file named by the
 * first argument: {"tests": [{"name", "outcome", "message"?}], "done": true}.
 */
public class RepairityJUnitRunner {
  private static final int MESSAGE_LIMIT = 2000;
  private static final Map<String, String[]> outcomes = new LinkedHashMap<>();

  private static String name(Description d) {
    return d.getClassName() + "." + d.getMethodName();
  }

  private static String message(Failure f) {
    String text = f.getException() == null ? f.getMessage() : f.getException().toString();
    if (text == null) text = "";
    return text.length() > MESSAGE_LIMIT ? text.substring(0, MESSAGE_LIMIT) : text;
  }

  public static void main(String[] args) throws Exception {
    String out = args[0];
    List<Class<?>> classes = new ArrayList<>();
    for (int i = 1; i < args.length; i++) {
      try {
        classes.add(Class.forName(args[i]));
      } catch (ClassNotFoundException e) {
        outcomes.put(args[i], new String[] {"error", "test class not found: " + args[i]});
      }
    }
    JUnitCore core = new JUnitCore();
    core.addListener(new RunListener() {
      @Override public void testStarted(Description d) { outcomes.put(name(d), new String[] {"passed", null}); }
      @Override public void testFailure(Failure f) {
        boolean assertion = f.getException() instanceof AssertionError;
        outcomes.put(name(f.getDescription()), new String[] {assertion ? "failed" : "error", message(f)});
      }
      @Override public void testAssumptionFailure(Failure f) { outcomes.put(name(f.getDescription()), new String[] {"skipped", message(f)}); }
      @Override public void testIgnored(Description d) { outcomes.put(name(d), new String[] {"skipped", null}); }
    });
    Result result = core.run(classes.toArray(new Class<?>[0]));
    StringBuilder json = new StringBuilder("{\"tests\": [");
    boolean first = true;
    for (Map.Entry<String, String[]> e : outcomes.entrySet()) {
      if (!first) json.append(", ");
      first = false;
      json.append("{\"name\": ").append(quote(e.getKey())).append(", \"outcome\": ").append(quote(e.getValue()[0]));
      if (e.getValue()[1] != null) json.append(", \"message\": ").append(quote(e.getValue()[1]));
      json.append('}');
    }
    json.append("], \"done\": true}");
    try (Writer w = new OutputStreamWriter(new FileOutputStream(out), StandardCharsets.UTF_8)) {
      w.write(json.toString());
    }
    System.exit(result.wasSuccessful() && classes.size() == args.length - 1 ? 0 : 1);
  }

  private static String quote(String s) {
    StringBuilder b = new StringBuilder("\"");
    for (char c : s.toCharArray()) {
      switch (c) {
        case '"': b.append("\\\""); break;
        case '\\': b.append("\\\\"); break;
        case '\n': b.append("\\n"); break;
        case '\r': b.append("\\r"); break;
        case '\t': b.append("\\t"); break;
        default:
          if (c < 0x20) b.append(String.format("\\u%04x", (int) c)); else b.append(c);
      }
    }
    return b.append('"').toString();
  }
}
