package org.virtualservices.core.checkpoint;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.virtualservices.core.files.HooksRecord;
import org.virtualservices.core.files.PrivateFiles;

/**
 * The Slurm prolog's call as it was made, kept in root's state folder of the job on the node
 * ({@code <stateDir>/jobs/<job>/<node>/prolog-call.json}, 0600): the {@code SLURM_*}, {@code SLURMD_*} and
 * {@code SPANK_VC_*} variables the prolog read its job and request from. The helper of
 * {@code vcluster checkpoint} runs with a clean environment in a step of the job, where the
 * prolog's variables are not to be had (the step's environment is the user's): it rebuilds the
 * job's plan from this record, as the prolog made it, and checks the step's user against the
 * uid recorded here. Written after the prolog succeeded, read only when it is a regular file of
 * the hooks' own user, not a link, of a record's size.
 */
public final class RecordedCall {

  static final String FILE_NAME = "prolog-call.json";
  private static final long MAX_BYTES = 256 * 1024;
  private static final ObjectMapper JSON = new ObjectMapper();

  private RecordedCall() {
  }

  /** Keeps the variables of {@code env} the prolog reads, in {@code nodeDir} (replacing an older record). */
  public static void write(Path nodeDir, Map<String, String> env) throws IOException {
    Map<String, String> kept = new TreeMap<>();
    env.forEach((k, v) -> {
      if (k.startsWith("SLURM_") || k.startsWith("SLURMD_") || k.startsWith("SPANK_VC_")) {
        kept.put(k, v);
      }
    });
    Path file = nodeDir.resolve(FILE_NAME);
    Files.deleteIfExists(file);
    PrivateFiles.write(file, JSON.writeValueAsString(kept));
  }

  /** The recorded call; empty when the prolog recorded none in {@code nodeDir}. */
  public static Optional<Map<String, String>> read(Path nodeDir) throws IOException {
    Path file = nodeDir.resolve(FILE_NAME);
    try {
      Optional<byte[]> bytes = HooksRecord.read(file, "record", MAX_BYTES);
      if (bytes.isEmpty()) {
        return Optional.empty();
      }
      return Optional.of(JSON.readValue(bytes.get(), new TypeReference<TreeMap<String, String>>() {
      }));
    } catch (IOException e) {
      throw new IOException(file + ": " + e.getMessage(), e);
    }
  }
}
