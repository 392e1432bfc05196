package org.virtualservices.prolog;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SeekableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.virtualservices.core.log.Shown;
import org.virtualservices.core.plan.VmPlan;

/**
 * The last lines of a VM's console, quoted in the ERROR of a boot that failed (docs/hooks.md,
 * "When the prolog fails"). The guest writes its console, so each quoted line is escaped
 * ({@link Shown}) and starts with {@code "  <vm>| "}: no escape sequence reaches a terminal, and no
 * line of the guest's reads as a line of the hooks' own, in the log or in the user's ERROR.
 */
final class ConsoleQuote {

  /** Lines quoted per VM, characters per line, bytes read from the end, VMs quoted per failure. */
  static final int LINES = 8;
  static final int LINE_CHARS = 160;
  static final int TAIL_BYTES = 16 * 1024;
  static final int VMS = 3;

  private ConsoleQuote() {
  }

  /** The message's lines on each VM in {@code late}: its name, node and its console's last lines. */
  static String of(List<VmPlan> late) {
    StringBuilder sb = new StringBuilder();
    for (VmPlan v : late.subList(0, Math.min(VMS, late.size()))) {
      List<String> lines = lastLines(v.console(), LINES);
      sb.append('\n').append("VM ").append(v.name()).append(" on node ").append(v.node()).append(" did not become ready; ")
          .append(lines.isEmpty() ? "its console is empty" : "the last " + lines.size() + " line(s) of its console:");
      lines.forEach(l -> sb.append('\n').append("  ").append(v.name()).append("| ").append(Shown.line(l, LINE_CHARS)));
    }
    if (late.size() > VMS) {
      sb.append('\n').append("(and ").append(late.size() - VMS).append(" more VM(s) not ready)");
    }
    return sb.toString();
  }

  /** The last {@code n} non-empty lines of {@code console} (its last {@value #TAIL_BYTES} bytes); none if absent. */
  static List<String> lastLines(Path console, int n) {
    byte[] tail;
    try (SeekableByteChannel ch = Files.newByteChannel(console, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS)) {
      long size = ch.size();
      ch.position(Math.max(0, size - TAIL_BYTES));
      ByteBuffer buf = ByteBuffer.allocate((int) Math.min(size, TAIL_BYTES));
      while (buf.hasRemaining() && ch.read(buf) > 0) {
        // read up to the bound
      }
      tail = Arrays.copyOf(buf.array(), buf.position());
    } catch (NoSuchFileException e) {
      return List.of();
    } catch (IOException e) {
      return List.of("(console unreadable: " + e.getMessage() + ")");
    }
    String[] all = new String(tail, StandardCharsets.UTF_8).split("\r?\n|\r");
    List<String> lines = new ArrayList<>();
    for (int i = all.length - 1; i >= 0 && lines.size() < n; i--) {
      if (!all[i].isBlank()) {
        lines.add(0, all[i]);
      }
    }
    return lines;
  }
}
