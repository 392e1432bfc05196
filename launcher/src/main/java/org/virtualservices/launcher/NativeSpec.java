package org.virtualservices.launcher;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.virtualservices.core.remote.ShellWords;
import org.virtualservices.core.request.RequestParser;
import org.virtualservices.core.request.RequestParser.Key;

/**
 * The DRMAA native specification that carries a virtual-cluster request (docs/users.md), in the
 * form the resource manager's side reads it:
 * <ul>
 *   <li>Slurm with the SPANK plugin: {@code --nodes=N --vc-image=NAME --vc-vcpus=N ...};
 *   <li>Slurm without it: {@code --nodes=N --comment=vc:image=NAME,vcpus=N,...}, read by the prolog;
 *   <li>PBS: {@code -l nodes=N -v VC_IMAGE=NAME,VC_VCPUS=N,...}, read by the prologue from qstat.
 * </ul>
 * Values are the user's words as given (already checked: no blank, comma or quote can be in them);
 * each word is quoted for {@code NativeWords} all the same.
 */
final class NativeSpec {

  /** How the request travels. */
  enum Form {
    SLURM_OPTIONS, SLURM_COMMENT, PBS
  }

  private NativeSpec() {
  }

  /**
   * @param request the request's words by key, in the order image, vcpus, mem, vms; empty for a
   *     plain job
   * @param nodes the node count, or null for the scheduler's default
   * @param extra the user's own native words, appended as they are
   */
  static String of(Form form, Map<Key, String> request, Integer nodes, String extra) {
    List<String> words = new ArrayList<>();
    if (nodes != null) {
      words.addAll(form == Form.PBS ? List.of("-l", "nodes=" + nodes) : List.of("--nodes=" + nodes));
    }
    Map<Key, String> r = new LinkedHashMap<>();
    for (Key k : Key.values()) {
      if (request.containsKey(k)) {
        r.put(k, request.get(k));
      }
    }
    if (!r.isEmpty()) {
      switch (form) {
        case SLURM_OPTIONS -> r.forEach((k, v) -> words.add("--vc-" + k.option() + "=" + v));
        case SLURM_COMMENT -> words.add("--comment=" + RequestParser.COMMENT_PREFIX + r.entrySet().stream()
            .map(e -> e.getKey().word() + "=" + e.getValue()).collect(Collectors.joining(",")));
        case PBS -> words.addAll(List.of("-v", r.entrySet().stream()
            .map(e -> "VC_" + e.getKey().name() + "=" + e.getValue()).collect(Collectors.joining(","))));
        default -> throw new IllegalStateException("unhandled form " + form);
      }
    }
    String spec = words.isEmpty() ? "" : ShellWords.quote(words);
    if (extra != null && !extra.isBlank()) {
      spec = spec.isEmpty() ? extra.strip() : spec + " " + extra.strip();
    }
    return spec;
  }
}
