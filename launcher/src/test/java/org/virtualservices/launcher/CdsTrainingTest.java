package org.virtualservices.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CdsTrainingTest {

  @TempDir
  Path dir;

  @Test
  void aJarWithASignatureFileIsNamedAndOthersAreNot() throws IOException {
    Path signed = jar("signed.jar", "META-INF/MANIFEST.MF", "META-INF/BC2048KE.SF", "META-INF/BC2048KE.DSA", "a/A.class");
    Path plain = jar("plain.jar", "META-INF/MANIFEST.MF", "a/B.class");
    // a file in META-INF's sub-folder named *.SF is not a signature (only META-INF/*.SF is)
    Path nested = jar("nested.jar", "META-INF/versions/11/X.SF.txt", "a/C.class");
    String cp = String.join(File.pathSeparator, plain.toString(), signed.toString(), nested.toString(),
        dir.resolve("classes").toString(), dir.resolve("missing.jar").toString());

    assertEquals(List.of(signed), CdsTraining.signedJars(cp));
  }

  @Test
  void bouncyCastlesJarAsMavenCentralServesItIsSigned() throws IOException {
    // the test class path holds the real BouncyCastle jar, signed: the check must see it
    List<Path> signed = CdsTraining.signedJars(System.getProperty("java.class.path"));
    assertEquals(1, signed.stream().filter(p -> p.getFileName().toString().startsWith("bcprov")).count(), signed::toString);
  }

  @Test
  void theTrainingJobsPrologAndEpilogSucceedSoTheArchiveHoldsARealHooksClasses() throws IOException {
    // with a hook failing half-way (the controller's record unanswered, say) the archive silently
    // lacks the classes of every step after the failure
    assertEquals(0, CdsTraining.train(dir, null));
  }

  private Path jar(String name, String... entries) throws IOException {
    Path jar = dir.resolve(name);
    try (OutputStream out = Files.newOutputStream(jar); JarOutputStream j = new JarOutputStream(out)) {
      for (String e : entries) {
        j.putNextEntry(new JarEntry(e));
        j.write(new byte[] {1, 2, 3});
        j.closeEntry();
      }
    }
    return jar;
  }
}
