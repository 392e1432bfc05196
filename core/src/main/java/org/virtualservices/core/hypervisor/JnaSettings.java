package org.virtualservices.core.hypervisor;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Two costs that JNA pays at its first use in every hook's JVM, and that an installation can spare
 * it (docs/bench.md): unpacking its native part, libjnidispatch, from its jar into a temporary file;
 * and running {@code ldconfig -p} to learn the library folders in which it then looks for libvirt.
 * The package unpacks libjnidispatch once, into {@code lib/jna/<platform>/} (dist/pom.xml); and
 * where libvirt's library is in the standard folders, they are named to JNA, which then asks
 * ldconfig nothing. Both through JNA's own system properties: one that a site set is kept, and where
 * a file is missing JNA does what it did before.
 */
final class JnaSettings {

  static final String BOOT_PATH = "jna.boot.library.path";
  static final String PLATFORM_PATH = "jna.platform.library.path";
  static final String LIBVIRT = "libvirt.so.0";

  private JnaSettings() {}

  /** Sets them in this JVM, before JNA's classes load; {@code vcluster.home} is the installation. */
  static void apply() {
    String home = System.getProperty("vcluster.home");
    Map<String, String> settings = of(home == null ? null : Path.of(home), System.getProperty("os.name"),
        System.getProperty("os.arch"), Path.of("/"));
    settings.forEach((k, v) -> {
      if (System.getProperty(k) == null) {
        System.setProperty(k, v);
      }
    });
  }

  /**
   * The properties for an installation at {@code home} (none when not installed) on this OS and
   * architecture, with the system's folders under {@code root}.
   */
  static Map<String, String> of(Path home, String osName, String osArch, Path root) {
    Map<String, String> settings = new LinkedHashMap<>();
    if (!"Linux".equals(osName)) {
      return settings;
    }
    String platform;
    String multiArch;
    switch (osArch) {
      case "amd64", "x86_64" -> {
        platform = "linux-x86-64";
        multiArch = "x86_64-linux-gnu";
      }
      case "aarch64" -> {
        platform = "linux-aarch64";
        multiArch = "aarch64-linux-gnu";
      }
      default -> {
        return settings;
      }
    }
    if (home != null) {
      Path boot = home.resolve("lib/jna").resolve(platform);
      if (Files.isRegularFile(boot.resolve("libjnidispatch.so"))) {
        settings.put(BOOT_PATH, boot.toString());
      }
    }
    // JNA's own list of a Linux system's folders, before it adds ldconfig's
    List<String> folders = new ArrayList<>();
    boolean libvirt = false;
    for (String f : List.of("usr/lib/" + multiArch, "lib/" + multiArch, "usr/lib64", "lib64", "usr/lib", "lib")) {
      Path dir = root.resolve(f);
      if (Files.isDirectory(dir)) {
        folders.add(dir.toString());
        libvirt |= Files.exists(dir.resolve(LIBVIRT));
      }
    }
    if (libvirt) {
      settings.put(PLATFORM_PATH, String.join(":", folders));
    }
    return settings;
  }
}
