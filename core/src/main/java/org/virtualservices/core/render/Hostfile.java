package org.virtualservices.core.render;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.virtualservices.core.plan.Plan;

/**
 * The job's MPI hostfile, defined once: {@code templates/hostfile.ftl}, which a site may override,
 * rendered with {@code job} and {@code vms} (each VM's {@link Models#vm} fields). Every guest's
 * seed ({@code /etc/vcluster/hostfile}) and the report's {@code hostfile} are this text, so an
 * override changes both alike.
 */
public final class Hostfile {

  public static final String TEMPLATE = "hostfile.ftl";

  private Hostfile() {
  }

  public static String render(Templates templates, Plan plan) {
    Map<String, Object> model = new LinkedHashMap<>();
    model.put("job", plan.job());
    model.put("vms", plan.vms().stream().map(Models::vm).toList());
    return templates.render(TEMPLATE, model);
  }

  /** Its lines without the empty ones, for templates that embed it (the seed's user-data). */
  public static List<String> lines(String hostfile) {
    return hostfile.lines().filter(l -> !l.isBlank()).toList();
  }
}
