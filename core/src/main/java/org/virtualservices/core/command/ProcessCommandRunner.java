package org.virtualservices.core.command;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

/** Starts real processes, with no shell in between, and logs each argv at DEBUG. */
public final class ProcessCommandRunner implements CommandRunner {

  private final Logger log;

  public ProcessCommandRunner(Logger log) {
    this.log = log;
  }

  public ProcessCommandRunner() {
    this(System.getLogger(ProcessCommandRunner.class.getName()));
  }

  @Override
  public CommandResult run(Command command) {
    log.log(Level.DEBUG, "run: {0}", command.display());
    ProcessBuilder pb = new ProcessBuilder(command.argv());
    if (command.stdinFile() != null) {
      pb.redirectInput(ProcessBuilder.Redirect.from(command.stdinFile().toFile()));
    } else if (command.stdin() == null) {
      pb.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
    }
    Process p;
    try {
      p = pb.start();
    } catch (IOException e) {
      return new CommandResult(command, 127, "", "cannot start " + command.program() + ": " + e.getMessage());
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    Thread tOut = drain(p.getInputStream(), out);
    Thread tErr = drain(p.getErrorStream(), err);
    try {
      if (command.stdin() != null) {
        try (OutputStream in = p.getOutputStream()) {
          in.write(command.stdin().getBytes(StandardCharsets.UTF_8));
        } catch (IOException e) {
          // the program may exit before reading all its input; its status tells what happened
        }
      }
      boolean finished = p.waitFor(command.timeout().toMillis(), TimeUnit.MILLISECONDS);
      if (!finished) {
        p.destroyForcibly();
        p.waitFor();
      }
      tOut.join();
      tErr.join();
      int status = finished ? p.exitValue() : TIMED_OUT;
      return new CommandResult(command, status,
          out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    } catch (InterruptedException e) {
      p.destroyForcibly();
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while running " + command.display(), e);
    }
  }

  private static Thread drain(InputStream in, ByteArrayOutputStream sink) {
    Thread t = new Thread(() -> {
      try (in) {
        in.transferTo(sink);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }, "drain");
    t.setDaemon(true);
    t.start();
    return t;
  }
}
