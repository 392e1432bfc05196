import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.zip.CRC32C;
import java.util.zip.CheckedInputStream;

/**
 * Reads FILE summed with SHA-256 and with CRC-32C, alternating, ROUNDS times, and prints each one's
 * median seconds and MB/s and their ratio: the choice of the checkpoints' sum
 * (CheckpointManifest.FileSum). Run by tests/bench/checksum.sh with the hooks' JVM options.
 *
 * usage: java [options] Checksums.java FILE ROUNDS
 */
public class Checksums {
  public static void main(String[] args) throws Exception {
    Path file = Path.of(args[0]);
    int rounds = Integer.parseInt(args[1]);
    double[] sha = new double[rounds];
    double[] crc = new double[rounds];
    for (int r = 0; r < rounds; r++) {
      long t = System.nanoTime();
      try (InputStream in = new DigestInputStream(Files.newInputStream(file), MessageDigest.getInstance("SHA-256"))) {
        in.transferTo(OutputStream.nullOutputStream());
      }
      long u = System.nanoTime();
      try (InputStream in = new CheckedInputStream(Files.newInputStream(file), new CRC32C())) {
        in.transferTo(OutputStream.nullOutputStream());
      }
      long v = System.nanoTime();
      sha[r] = (u - t) / 1e9;
      crc[r] = (v - u) / 1e9;
    }
    double mb = Files.size(file) / 1e6;
    double s = median(sha);
    double c = median(crc);
    System.out.printf("SHA-256  median %.3f s  %.0f MB/s%n", s, mb / s);
    System.out.printf("CRC-32C  median %.3f s  %.0f MB/s%n", c, mb / c);
    System.out.printf("CRC-32C/SHA-256 time ratio %.3f%n", c / s);
  }

  static double median(double[] xs) {
    double[] s = xs.clone();
    Arrays.sort(s);
    return s[s.length / 2];
  }
}
