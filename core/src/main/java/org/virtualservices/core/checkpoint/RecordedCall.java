package org.virtualservices.core.checkpoint;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.Channels;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFileAttributes;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
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
  public static Optional<Map<String, String>> read(Path nodeDir, int ownUid) throws IOException {
    Path file = nodeDir.resolve(FILE_NAME);
    PosixFileAttributes a;
    try {
      a = Files.readAttributes(file, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
    } catch (NoSuchFileException e) {
      return Optional.empty();
    }
    if (!a.isRegularFile()) {
      throw new IOException(file + " is " + (a.isSymbolicLink() ? "a link" : "not a regular file")
          + ", not the record a prolog wrote");
    }
    int owner = (Integer) Files.getAttribute(file, "unix:uid", LinkOption.NOFOLLOW_LINKS);
    if (owner != ownUid) {
      throw new IOException(file + " is owned by uid " + owner + ", not by the hooks' uid " + ownUid);
    }
    if (a.size() > MAX_BYTES) {
      throw new IOException(file + " has " + a.size() + " bytes, more than a record holds");
    }
    try (SeekableByteChannel ch = Files.newByteChannel(file, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS);
        InputStream in = Channels.newInputStream(ch)) {
      return Optional.of(JSON.readValue(in.readNBytes((int) MAX_BYTES + 1), new TypeReference<TreeMap<String, String>>() {
      }));
    }
  }
}
