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

/**
 * FreeMarker templates: a site's folder first, then the installation's {@code templates/}, then
 * the ones shipped in the jar. Templates ending in {@code .ftlx} render XML with auto-escaping on,
 * so no value from a user (or anywhere else) can break out of an attribute or element.
 */
public final class Templates {

  private final Configuration cfg;

  public Templates(List<Path> folders) {
    cfg = new Configuration(Configuration.VERSION_2_3_34);
    cfg.setDefaultEncoding("UTF-8");
    cfg.setTemplateExceptionHandler(TemplateExceptionHandler.RETHROW_HANDLER);
    cfg.setLogTemplateExceptions(false);
    cfg.setWrapUncheckedExceptions(true);
    cfg.setFallbackOnNullLoopVariable(false);
    cfg.setRecognizeStandardFileExtensions(true);
    cfg.setNumberFormat("computer");
    List<TemplateLoader> loaders = new ArrayList<>();
    for (Path folder : folders) {
      if (folder != null && Files.isDirectory(folder)) {
        try {
          loaders.add(new FileTemplateLoader(folder.toFile()));
        } catch (IOException e) {
          throw new UncheckedIOException("template folder " + folder + ": " + e.getMessage(), e);
        }
      }
    }
    loaders.add(new ClassTemplateLoader(Templates.class, "/templates"));
    cfg.setTemplateLoader(new MultiTemplateLoader(loaders.toArray(TemplateLoader[]::new)));
  }

  /** Only the shipped templates. */
  public static Templates shipped() {
    return new Templates(List.of());
  }

  public String render(String name, Map<String, ?> model) {
    try {
      StringWriter out = new StringWriter();
      cfg.getTemplate(name).process(model, out);
      return out.toString();
    } catch (IOException e) {
      throw new UncheckedIOException("template " + name + ": " + e.getMessage(), e);
    } catch (TemplateException e) {
      throw new IllegalStateException("render template " + name + ": " + e.getMessageWithoutStackTop(), e);
    }
  }
}
