package org.virtualservices.launcher;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.virtualservices.core.command.Command;
import org.virtualservices.core.command.CommandResult;
import org.virtualservices.core.rm.QstatVariableList;
import org.virtualservices.core.report.ReportFiles;

/**
 * Finds the virtual cluster a subcommand works on. Inside a job, from its environment: the
 * TaskProlog's {@code VC_DIR} (the job's folder in the batch host's run tree,
 * {@code /run/vcluster/jobs/<job>}), else the job id ({@code SLURM_JOB_ID}, {@code PBS_JOBID}) and
 * its working folder. Outside, from {@code --job ID}: the resource manager tells the job's working
 * folder and owner ({@code scontrol show job -o}, {@code qstat -f}), and only the owner (or root)
 * is served. The prolog writes the report into the run tree and, as the job's user, a copy into
 * {@code <working folder>/vcluster-<job>} whose ssh config names the copy's own key and known_hosts.
 */
final class ClusterLocator {

  private static final Duration QUERY_TIMEOUT = Duration.ofSeconds(30);
  /** A key of scontrol's one-line form: words, with ':' and '/' as in NtasksPerN:B:S:C, Socks/Node. */
  private static final Pattern SCONTROL_KEY = Pattern.compile("(?:^|\\s)([A-Za-z][A-Za-z0-9_:/]*)=");

  private final Tools tools;

  ClusterLocator(Tools tools) {
    this.tools = tools;
  }

  /**
   * The cluster of {@code job}, or of the job this runs in when empty.
   *
   * @throws LauncherException 2 when there is no job to look at, or it is another user's; 1 when
   *     the job has no virtual cluster or the resource manager cannot say where it is
   */
  VirtualCluster locate(Optional<String> job) {
    Map<String, String> env = tools.env();
    if (job.isPresent()) {
      String id = job.get();
      if (!id.matches("[A-Za-z0-9_.\\[\\]-]+")) {
        throw new LauncherException(2, "'" + id + "' is not a job id");
      }
      return load(id, workDirOf(id));
    }
    String dir = env.get("VC_DIR");
    if (dir != null && !dir.isEmpty()) {
      Path p = Path.of(dir);
      // <runDir>/jobs/<job>, or a copy's vcluster-<job> (set by hand)
      String id = p.getFileName().toString().replaceFirst("^vcluster-", "");
      return load(id, new ReportFiles(p));
    }
    VirtualCluster c = ownCopy().map(f -> load(f.dir().getFileName().toString().replaceFirst("^vcluster-", ""), f))
        .orElse(null);
    if (c == null) {
      throw new LauncherException(2, "not inside a job (no VC_DIR, SLURM_JOB_ID or PBS_JOBID): give --job ID");
    }
    return c;
  }

  /**
   * Inside a job, the report's copy in its working folder ({@code <working folder>/vcluster-<job>}),
   * found from the job id (the run tree's {@code VC_DIR} is root's and not this): empty outside a job.
   */
  Optional<ReportFiles> ownCopy() {
    Map<String, String> env = tools.env();
    String slurm = env.get("SLURM_JOB_ID");
    if (slurm != null && !slurm.isEmpty()) {
      // scontrol knows the working folder even after --chdir; the submit folder is the fallback
      try {
        return Optional.of(workDirOf(slurm));
      } catch (LauncherException e) {
        String work = Optional.ofNullable(env.get("SLURM_JOB_WORK_DIR")).orElse(env.get("SLURM_SUBMIT_DIR"));
        if (work == null || e.exitCode() != 1) {
          throw e;
        }
        return Optional.of(ReportFiles.in(Path.of(work), slurm));
      }
    }
    String pbs = env.get("PBS_JOBID");
    if (pbs != null && !pbs.isEmpty() && env.get("PBS_O_WORKDIR") != null) {
      return Optional.of(ReportFiles.in(Path.of(env.get("PBS_O_WORKDIR")), pbs));
    }
    return Optional.empty();
  }

  private static VirtualCluster load(String job, ReportFiles files) {
    if (!Files.isRegularFile(files.json())) {
      String why = "no " + files.dir().getFileName() + "/report.json in " + files.dir().getParent();
      if (Files.isReadable(files.error())) {
        try {
          why = Files.readString(files.error()).strip();
        } catch (java.io.IOException e) {
          // the plain reason above stands
        }
      }
      throw new LauncherException(1, "job " + job + " has no virtual cluster: " + why);
    }
    return VirtualCluster.load(files);
  }

  private ReportFiles workDirOf(String job) {
    if (tools.scheduler() == Tools.Scheduler.PBS) {
      return pbsWorkDir(job);
    }
    CommandResult r = tools.runner().run(Command.of(tools.scontrol(), "show", "job", "-o", job).withTimeout(QUERY_TIMEOUT));
    if (!r.ok()) {
      throw new LauncherException(1, "job " + job + ": scontrol show job failed (exit " + r.exitStatus() + "): "
          + (r.stderr().strip() + " " + r.stdout().strip()).strip());
    }
    Map<String, String> fields = parseScontrol(r.stdout());
    String owner = fields.getOrDefault("UserId", "").replaceFirst("\\(.*", "");
    checkOwner(job, owner);
    String work = fields.get("WorkDir");
    if (work == null || !work.startsWith("/")) {
      throw new LauncherException(1, "job " + job + ": scontrol shows no WorkDir");
    }
    return ReportFiles.in(Path.of(work), job);
  }

  private ReportFiles pbsWorkDir(String job) {
    CommandResult r = tools.runner().run(Command.of(tools.qstat(), "-f", job).withTimeout(QUERY_TIMEOUT));
    if (!r.ok()) {
      throw new LauncherException(1, "job " + job + ": qstat -f failed (exit " + r.exitStatus() + "): "
          + (r.stderr().strip() + " " + r.stdout().strip()).strip());
    }
    Matcher owner = Pattern.compile("(?m)^\\s*Job_Owner = ([^@\\s]+)").matcher(r.stdout());
    checkOwner(job, owner.find() ? owner.group(1) : "");
    String work = QstatVariableList.parseQstat(r.stdout()).get("PBS_O_WORKDIR");
    if (work == null || !work.startsWith("/")) {
      throw new LauncherException(1, "job " + job + ": qstat shows no PBS_O_WORKDIR");
    }
    return ReportFiles.in(Path.of(work), job);
  }

  private void checkOwner(String job, String owner) {
    if (!tools.caller().equals("root") && !owner.equals(tools.caller())) {
      throw new LauncherException(2, "job " + job + " belongs to " + (owner.isEmpty() ? "someone else" : owner)
          + ", not to " + tools.caller());
    }
  }

  /**
   * The fields of {@code scontrol show job -o} (one line of {@code Key=Value} separated by spaces;
   * a value may hold '=' (TRES=cpu=1,mem=1G) and, for paths, spaces, so a field ends only where
   * a space is followed by the next key).
   */
  static Map<String, String> parseScontrol(String line) {
    Map<String, String> fields = new LinkedHashMap<>();
    String s = line.strip();
    Matcher m = SCONTROL_KEY.matcher(s);
    String key = null;
    int valueStart = 0;
    while (m.find()) {
      if (key != null) {
        fields.put(key, s.substring(valueStart, m.start()).strip());
      }
      key = m.group(1);
      valueStart = m.end();
    }
    if (key != null) {
      fields.put(key, s.substring(valueStart).strip());
    }
    return fields;
  }
}
