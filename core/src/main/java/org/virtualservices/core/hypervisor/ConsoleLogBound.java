package org.virtualservices.core.hypervisor;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * How large libvirt lets a VM's console log grow, and whether that is within the site's bound.
 *
 * <p>A guest writes its console without end if it likes (its root is not trusted). The domain's
 * serial port is a {@code <serial type="file">} (templates/domain.ftlx); with qemu.conf's
 * {@code stdio_handler = "logd"}, libvirt's default, the QEMU driver does not let QEMU open that
 * file but has virtlogd open it and passes QEMU a pipe (libvirt's {@code chardevStdioLogd}), and
 * virtlogd rotates every file it writes at {@code max_size} bytes, keeping {@code max_backups}
 * old copies ({@code <file>.0}, {@code .1}, ...), so a console log takes at most
 * {@code max_size x (max_backups + 1)} bytes (virtlogd.conf(5); Debian 12's libvirt 9.0 defaults:
 * 2 MiB and 3, 8 MiB in all). With {@code stdio_handler = "file"} or {@code max_size = 0} nothing
 * bounds it. The teardown removes the rotated copies with the node's state folder.
 */
public final class ConsoleLogBound {

  /** virtlogd's defaults when virtlogd.conf does not set them (virtlogd.conf, libvirt 9.0). */
  static final long DEFAULT_MAX_SIZE = 2_097_152;
  static final long DEFAULT_MAX_BACKUPS = 3;

  private ConsoleLogBound() {
  }

  /**
   * What is wrong with the node's libvirt for a bound of {@code maxMiB}, or empty when it holds.
   * Only a local {@code qemu:///system} is checked: another URI's files are not on this node.
   */
  public static Optional<String> problem(String libvirtUri, Path qemuConf, Path virtlogdConf, long maxMiB) {
    if (!"qemu:///system".equals(libvirtUri)) {
      return Optional.empty();
    }
    String handler = read(qemuConf).getOrDefault("stdio_handler", "logd");
    if (!handler.equals("logd")) {
      return Optional.of("console logs would grow without bound: " + qemuConf + " has stdio_handler = \""
          + handler + "\" (set it to \"logd\", so that virtlogd rotates them)");
    }
    Map<String, String> logd = read(virtlogdConf);
    long maxSize = number(logd, "max_size", DEFAULT_MAX_SIZE, virtlogdConf);
    long backups = number(logd, "max_backups", DEFAULT_MAX_BACKUPS, virtlogdConf);
    if (maxSize <= 0) {
      return Optional.of("console logs would grow without bound: " + virtlogdConf + " has max_size = " + maxSize);
    }
    long bound = maxSize * (backups + 1);
    if (bound > maxMiB << 20) {
      return Optional.of("console logs may take " + bound + " bytes (" + virtlogdConf + ": max_size " + maxSize
          + " x (max_backups " + backups + " + 1)), more than limits.maxConsoleLogMiB = " + maxMiB + " MiB");
    }
    return Optional.empty();
  }

  /** The {@code key = value} settings of a libvirt configuration file; none when it is absent. */
  static Map<String, String> read(Path conf) {
    Map<String, String> values = new HashMap<>();
    String text;
    try {
      text = Files.readString(conf, StandardCharsets.UTF_8);
    } catch (NoSuchFileException e) {
      return values; // libvirt then runs with its defaults too
    } catch (IOException e) {
      throw new UncheckedIOException("read " + conf + ": " + e.getMessage(), e);
    }
    for (String line : text.split("\n")) {
      String s = line.strip();
      int eq = s.indexOf('=');
      if (s.startsWith("#") || eq < 1) {
        continue;
      }
      String value = s.substring(eq + 1).strip();
      int hash = value.startsWith("\"") ? value.indexOf('#', value.indexOf('"', 1) + 1) : value.indexOf('#');
      if (hash >= 0) {
        value = value.substring(0, hash).strip();
      }
      if (value.length() >= 2 && value.startsWith("\"") && value.endsWith("\"")) {
        value = value.substring(1, value.length() - 1);
      }
      values.put(s.substring(0, eq).strip(), value);
    }
    return values;
  }

  private static long number(Map<String, String> conf, String key, long fallback, Path file) {
    String v = conf.get(key);
    if (v == null) {
      return fallback;
    }
    if (!v.matches("[0-9]{1,18}")) {
      throw new IllegalStateException(file + ": " + key + " = " + v + " is not a number");
    }
    return Long.parseLong(v);
  }
}
