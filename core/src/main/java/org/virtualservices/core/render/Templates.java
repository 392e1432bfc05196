package org.virtualservices.core.render;

import freemarker.cache.ClassTemplateLoader;
import freemarker.cache.FileTemplateLoader;
import freemarker.cache.MultiTemplateLoader;
import freemarker.cache.TemplateLoader;
import freemarker.template.Configuration;
import freemarker.template.TemplateException;
import freemarker.template.TemplateExceptionHandler;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.FutureTask;
import org.virtualservices.core.concurrent.Futures;

/**
 * FreeMarker templates: a site's folder first, then the installation's {@code templates/}, then
 * the ones shipped in the jar. Templates ending in {@code .ftlx} render XML with auto-escaping on,
 * so no value from a user (or anywhere else) can break out of an attribute or element.
 */
public final class Templates {

  private final List<Path> folders;
  // Built once, by the first thread that needs it (render or prepare); the others wait for it.
  // FreeMarker's set-up is a visible part of a hook's cold start (docs/bench.md): the epilog,
  // which renders nothing in the common case, does not pay it, and the prolog has it made while
  // it does other work, which tests/bench/ab.sh showed pays.
  private final FutureTask<Configuration> configuration = new FutureTask<>(this::configure);

  public Templates(List<Path> folders) {
    this.folders = new ArrayList<>();
    for (Path folder : folders) {
      if (folder != null) {
        this.folders.add(folder);
      }
    }
  }

  /** Only the shipped templates. */
  public static Templates shipped() {
    return new Templates(List.of());
  }

  /**
   * Sets FreeMarker up and parses these templates on a daemon thread from now on, so that the
   * first renders find them ready. A template that cannot be read is left for its render to
   * report, with the render's message.
   */
  public void prepare(List<String> names) {
    Futures.start("templates", () -> {
      try {
        Configuration cfg = configuration();
        for (String name : names) {
          cfg.getTemplate(name);
        }
      } catch (IOException | RuntimeException e) {
        // the render that needs it says what is wrong
      }
      return null;
    });
  }

  public String render(String name, Map<String, ?> model) {
    try {
      StringWriter out = new StringWriter();
      configuration().getTemplate(name).process(model, out);
      return out.toString();
    } catch (IOException e) {
      throw new UncheckedIOException("template " + name + ": " + e.getMessage(), e);
    } catch (TemplateException e) {
      throw new IllegalStateException("render template " + name + ": " + e.getMessageWithoutStackTop(), e);
    }
  }

  private Configuration configuration() {
    configuration.run(); // does nothing when another thread runs it or ran it
    return Futures.join(configuration, e -> new IllegalStateException("FreeMarker's set-up: " + e.getMessage(), e));
  }

  private Configuration configure() {
    Configuration cfg = new Configuration(Configuration.VERSION_2_3_34);
    cfg.setDefaultEncoding("UTF-8");
    cfg.setTemplateExceptionHandler(TemplateExceptionHandler.RETHROW_HANDLER);
    cfg.setLogTemplateExceptions(false);
    cfg.setWrapUncheckedExceptions(true);
    cfg.setFallbackOnNullLoopVariable(false);
    cfg.setRecognizeStandardFileExtensions(true);
    cfg.setNumberFormat("computer");
    cfg.setLocale(java.util.Locale.ROOT); // a decimal point whatever the node's locale (report.txt's seconds)
    List<TemplateLoader> loaders = new ArrayList<>();
    for (Path folder : folders) {
      if (Files.isDirectory(folder)) {
        try {
          loaders.add(new FileTemplateLoader(folder.toFile()));
        } catch (IOException e) {
          throw new UncheckedIOException("template folder " + folder + ": " + e.getMessage(), e);
        }
      }
    }
    loaders.add(new ClassTemplateLoader(Templates.class, "/templates"));
    cfg.setTemplateLoader(new MultiTemplateLoader(loaders.toArray(TemplateLoader[]::new)));
    return cfg;
  }
}
