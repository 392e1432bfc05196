package org.virtualservices.core.checkpoint;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.List;
import java.util.zip.CRC32C;
import java.util.zip.CheckedInputStream;
import java.util.zip.Checksum;

/**
 * What a checkpoint of one node's VMs holds (docs/hooks.md, "Checkpoints"): the job, its image, the
 * plan of this node (each VM's name, address, MAC, size, domain UUID), when it was taken, and each
 * file with its size and CRC-32C. Written last into the new folder; a checkpoint is good only when
 * every file it names is there with that size and checksum ({@link #verify}).
 *
 * @param version the manifest's format, {@value #VERSION}
 * @param nodeIndex this node's place in the job's node list: a requeued job may run on other nodes
 * @param nodeCount how many nodes the job had: a restore needs as many
 * @param uid the job's user, who alone may restore it into another job
 * @param instance the job instance its keys were derived from: the saved guests hold those keys
 * @param id the checkpoint's name, the same on every node of the job for one checkpoint
 *     ({@code at-<ms>} for one the user took, {@code requeue-<n>} for the one before the n-th run): a
 *     restore takes, on every node, the newest one all the job's nodes have
 * @param keysJob the job whose keys the guests hold when it is not {@code jobId}: a job that restored another
 *     job's checkpoint ({@code restore=}) and was then checkpointed itself; null (absent): {@code jobId}
 */
public record CheckpointManifest(int version, String jobId, String image, int vni, String subnet, int nodeIndex,
    int nodeCount, String node, int uid, String instance, String id, String time, List<Vm> vms, List<FileSum> files,
    @JsonInclude(JsonInclude.Include.NON_NULL) String keysJob) {

  /** A checkpoint of guests that hold the keys of the job that took it. */
  public CheckpointManifest(int version, String jobId, String image, int vni, String subnet, int nodeIndex,
      int nodeCount, String node, int uid, String instance, String id, String time, List<Vm> vms,
      List<FileSum> files) {
    this(version, jobId, image, vni, subnet, nodeIndex, nodeCount, node, uid, instance, id, time, vms, files, null);
  }

  /** The job whose id, with {@link #instance}, the guests' keys were derived from. */
  public String keysOf() {
    return keysJob != null ? keysJob : jobId;
  }

  /** 2: with the job's user and node count (a version 1 checkpoint is not restored: its owner is unknown). */
  public static final int VERSION = 2;
  public static final String FILE_NAME = "manifest.json";

  private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT)
      .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

  public CheckpointManifest {
    vms = List.copyOf(vms);
    files = List.copyOf(files);
  }

  /** One VM as it was checkpointed; its files are {@code <name>.state} and {@code <name>.qcow2}. */
  public record Vm(String name, int index, String ip, String mac, int vcpus, long memoryMiB, String uuid) {
  }

  /**
   * One file of the checkpoint, named relative to its folder, with its CRC-32C (hex). The sum guards
   * against a file cut short or damaged (a node that died while writing, a disk or a shared file
   * system losing data), not against whoever can write the folder, who could rewrite the manifest
   * too: only root can. CRC-32C rather than SHA-256: the hooks' JVM runs C1 only (fast start), where
   * SHA-256 has no hardware intrinsic and reads 85 MB/s, while CRC-32C reads 3 GB/s (docs/bench.md,
   * "Checkpoint checksums"); it is the sum of iSCSI, ext4's metadata and btrfs for the same job.
   */
  public record FileSum(String name, long size, String crc32c) {
  }

  /** A VM's saved memory and device state. */
  public static String stateFile(String vm) {
    return vm + ".state";
  }

  /** A VM's disk overlay. */
  public static String diskFile(String vm) {
    return vm + ".qcow2";
  }

  public String json() {
    try {
      return JSON.writeValueAsString(this);
    } catch (IOException e) {
      throw new IllegalStateException("checkpoint manifest: " + e.getMessage(), e);
    }
  }

  /** The manifest in {@code folder}; a missing, unreadable or foreign one is a {@link CheckpointException}. */
  public static CheckpointManifest read(Path folder) {
    Path file = folder.resolve(FILE_NAME);
    try (InputStream in = Files.newInputStream(file, LinkOption.NOFOLLOW_LINKS)) {
      CheckpointManifest m = JSON.readValue(in.readNBytes(1 << 20), CheckpointManifest.class);
      if (m.version() != VERSION) {
        throw new CheckpointException("checkpoint " + folder + ": manifest version " + m.version() + ", expected "
            + VERSION);
      }
      return m;
    } catch (IOException e) {
      throw new CheckpointException("checkpoint " + folder + ": no readable manifest: " + e.getMessage(), e);
    }
  }

  /**
   * Checks that every file the manifest names is in {@code folder}, a plain file (not a link) of the
   * size and CRC-32C it says, and that every VM has its two files.
   *
   * @throws CheckpointException naming the first file that is not
   */
  public void verify(Path folder) {
    for (Vm v : vms) {
      for (String f : List.of(stateFile(v.name()), diskFile(v.name()))) {
        if (files.stream().noneMatch(x -> x.name().equals(f))) {
          throw new CheckpointException("checkpoint " + folder + ": the manifest names no " + f);
        }
      }
    }
    for (FileSum f : files) {
      if (f.name().contains("/") || f.name().startsWith(".")) {
        throw new CheckpointException("checkpoint " + folder + ": the manifest names '" + f.name() + "'");
      }
      Path p = folder.resolve(f.name());
      FileSum found;
      try {
        if (!Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) {
          throw new CheckpointException("checkpoint " + folder + ": " + f.name() + " is missing or not a plain file");
        }
        found = sum(p);
      } catch (IOException e) {
        throw new CheckpointException("checkpoint " + folder + ": cannot read " + f.name() + ": " + e.getMessage(), e);
      }
      if (found.size() != f.size() || !found.crc32c().equals(f.crc32c())) {
        throw new CheckpointException("checkpoint " + folder + ": " + f.name() + " has " + found.size()
            + " bytes, CRC-32C " + found.crc32c() + "; the manifest says " + f.size() + ", " + f.crc32c());
      }
    }
  }

  /** The size and CRC-32C of {@code file}, read without following a link. */
  public static FileSum sum(Path file) throws IOException {
    Checksum c = new CRC32C();
    long size;
    try (InputStream in = new CheckedInputStream(Files.newInputStream(file, LinkOption.NOFOLLOW_LINKS), c)) {
      size = in.transferTo(java.io.OutputStream.nullOutputStream());
    }
    return new FileSum(file.getFileName().toString(), size, hex(c));
  }

  static String hex(Checksum c) {
    return String.format("%08x", c.getValue());
  }
}
