package org.virtualservices.core.log;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.SerializableString;
import com.fasterxml.jackson.core.io.CharacterEscapes;
import com.fasterxml.jackson.core.json.JsonWriteFeature;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * How one call of a hook ended, as the one line of JSON it writes last (docs/hooks.md, "The
 * outcome line"): the hook, job and node, the outcome and exit status, the error's code and
 * message, the milliseconds of each phase and, where a teardown ran, what it removed and left.
 * The hook fills it in as it goes; {@link JobLog#writeOutcome} writes it once, when the hook
 * returns. Tests, the benchmarks and a site's monitoring read these lines, not the prose.
 *
 * <p>Every other line of the log begins with its time, so an outcome line is a line that begins
 * with <code>{</code>. Whatever a user put into a value, the line is printable ASCII: values are
 * escaped as the log escapes them ({@link Shown}) and Jackson then writes every character
 * outside 0x20-0x7e as a JSON escape, so no value ends the line or starts another.
 */
public final class OutcomeRecord {

  /** The version of the line's fields; a field's meaning never changes under the same number. */
  public static final int SCHEMA = 1;
  /** How much of the error message the line repeats (the log line has it whole, up to its cut). */
  static final int MESSAGE_CHARS = 400;
  private static final int ITEM_CHARS = 200;
  private static final JsonFactory JSON = JsonFactory.builder()
      .enable(JsonWriteFeature.ESCAPE_NON_ASCII).build().setCharacterEscapes(new AsciiOnly());

  /** How a hook ended: whose doing a failure was decides what the resource manager is told. */
  public enum Kind {
    OK("ok"), USER_ERROR("user-error"), NODE_FAULT("node-fault"), PEER_FAULT("peer-fault");

    private final String json;

    Kind(String json) {
      this.json = json;
    }

    public String json() {
      return json;
    }
  }

  private final String hook;
  private boolean armed;
  private Kind kind;
  private String code;
  private String message;
  private String step;
  private final Map<String, Long> phases = new LinkedHashMap<>();
  private final Map<String, String> inside = new LinkedHashMap<>();
  private List<String> removed;
  private List<String> left;
  private String saveName;
  private int saveRevision;
  private boolean saved;
  private String saveMessage;

  /** @param hook "prolog", "epilog" or "sweep" */
  public OutcomeRecord(String hook) {
    this.hook = hook;
  }

  /** From now on the call has a line to write: it took up a job's work, or failed. */
  public synchronized void arm() {
    armed = true;
  }

  synchronized boolean armed() {
    return armed;
  }

  /** How the hook ended; when never said, an exit status of 0 reads as ok and any other as the node's fault. */
  public synchronized void kind(Kind k) {
    this.kind = k;
  }

  /**
   * The failure that decided the outcome, with a short code from a fixed list (docs/hooks.md);
   * the first one said is kept, since what fails afterwards (a rollback, say) follows from it.
   */
  public synchronized void error(String errorCode, String errorMessage) {
    armed = true;
    if (code == null) {
      code = errorCode;
      message = errorMessage;
    }
  }

  /** The step of the prolog that failed ("disk of vc42-1"), when the failure is a node's. */
  public synchronized void step(String failedStep) {
    this.step = failedStep;
  }

  /** A phase's time; {@code in} names the phase it ran at once inside of, or is null. */
  public synchronized void phase(String name, Duration took, String in) {
    phases.put(name, took.toMillis());
    if (in != null) {
      inside.put(name, in);
    }
  }

  /** What a teardown (the epilog's, the sweep's, a prolog's rollback) removed and left. */
  public synchronized void teardown(List<String> removedItems, List<String> leftItems) {
    this.removed = List.copyOf(removedItems);
    this.left = List.copyOf(leftItems);
  }

  /**
   * How the save of a VM's disk ended, where one was asked (docs/hooks.md, "Saving a VM's disk"):
   * the image's name, the new revision (0: none), and why not when it failed. Absent from the line
   * of a job that asked for none.
   */
  public synchronized void save(String name, int revision, boolean saved, String saveMessage) {
    this.saveName = name;
    this.saveRevision = revision;
    this.saved = saved;
    this.saveMessage = saveMessage;
  }

  /** The line, without its newline. */
  public synchronized String json(Instant time, String job, String node, int exit, Duration took) {
    Kind k = kind != null ? kind : exit == 0 ? Kind.OK : Kind.NODE_FAULT;
    StringWriter out = new StringWriter();
    try (JsonGenerator g = JSON.createGenerator(out)) {
      g.writeStartObject();
      g.writeNumberField("schema", SCHEMA);
      g.writeStringField("time", time.toString());
      g.writeStringField("hook", hook);
      g.writeStringField("job", job == null ? null : Shown.escaped(job));
      g.writeStringField("node", node == null ? null : Shown.escaped(node));
      g.writeStringField("outcome", k.json());
      g.writeNumberField("exit", exit);
      g.writeNumberField("ms", took.toMillis());
      if (code == null) {
        g.writeNullField("error");
      } else {
        g.writeObjectFieldStart("error");
        g.writeStringField("code", code);
        g.writeStringField("message", Shown.line(message, MESSAGE_CHARS));
        if (step != null) {
          g.writeStringField("step", Shown.line(step, ITEM_CHARS));
        }
        g.writeEndObject();
      }
      g.writeObjectFieldStart("phases");
      for (Map.Entry<String, Long> p : phases.entrySet()) {
        g.writeNumberField(p.getKey(), p.getValue());
      }
      g.writeEndObject();
      g.writeObjectFieldStart("inside");
      for (Map.Entry<String, String> p : inside.entrySet()) {
        g.writeStringField(p.getKey(), p.getValue());
      }
      g.writeEndObject();
      list(g, "removed", removed);
      list(g, "left", left);
      if (saveName != null) {
        g.writeObjectFieldStart("save");
        g.writeStringField("name", Shown.line(saveName, ITEM_CHARS));
        g.writeNumberField("revision", saveRevision);
        g.writeBooleanField("saved", saved);
        g.writeStringField("message", Shown.line(saveMessage, MESSAGE_CHARS));
        g.writeEndObject();
      }
      g.writeEndObject();
    } catch (IOException e) {
      throw new UncheckedIOException("the outcome line: " + e.getMessage(), e);
    }
    return out.toString();
  }

  private static void list(JsonGenerator g, String name, List<String> items) throws IOException {
    if (items == null) {
      g.writeNullField(name);
      return;
    }
    g.writeArrayFieldStart(name);
    for (String item : items) {
      g.writeString(Shown.line(item, ITEM_CHARS));
    }
    g.writeEndArray();
  }

  /**
   * Jackson escapes the C0 controls and, with ESCAPE_NON_ASCII, everything above 0x7e but DEL;
   * this adds DEL, so that the line holds printable ASCII only whatever it is given.
   */
  private static final class AsciiOnly extends CharacterEscapes {
    private final int[] ascii = CharacterEscapes.standardAsciiEscapesForJSON();

    AsciiOnly() {
      ascii[0x7f] = CharacterEscapes.ESCAPE_STANDARD;
    }

    @Override
    public int[] getEscapeCodesForAscii() {
      return ascii;
    }

    @Override
    public SerializableString getEscapeSequence(int ch) {
      return null; // the standard \\uXXXX for every character marked above
    }
  }
}
