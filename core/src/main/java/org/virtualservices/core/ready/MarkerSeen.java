package org.virtualservices.core.ready;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * The guest printed its ready line on the serial console (which libvirt logs to a file). Works on
 * every node, also where the host has no address on the job's network. A failure line ends the
 * wait at once.
 */
public record MarkerSeen(Path consoleLog, String marker, String failureMarker) implements ReadinessCheck {

  @Override
  public String describe() {
    return "console line '" + marker + "' in " + consoleLog;
  }

  @Override
  public Status check() {
    String text;
    try {
      text = new String(Files.readAllBytes(consoleLog), StandardCharsets.UTF_8);
    } catch (NoSuchFileException e) {
      return Status.notYet("no console log yet");
    } catch (IOException e) {
      return Status.notYet("console log unreadable: " + e.getMessage());
    }
    for (String line : text.split("\r?\n")) {
      String l = line.strip();
      if (l.equals(marker) || l.startsWith(marker + " ")) {
        return Status.ready();
      }
      if (failureMarker != null && l.startsWith(failureMarker)) {
        return Status.failed("the guest reported: " + l);
      }
    }
    return Status.notYet(text.isEmpty() ? "console log empty" : "last console line: " + lastLine(text));
  }

  private static String lastLine(String text) {
    String[] lines = text.strip().split("\r?\n");
    String last = lines[lines.length - 1].strip();
    return last.length() > 120 ? last.substring(0, 120) + "..." : last;
  }
}
