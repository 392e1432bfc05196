package org.virtualservices.launcher.drmaa;

import java.util.Map;
import org.ggf.drmaa.Session;

/** The names of DRMAA 1.0's job states (the constants of {@link Session}), for messages and JSON. */
public final class DrmaaStates {

  private static final Map<Integer, String> NAMES = Map.ofEntries(
      Map.entry(Session.UNDETERMINED, "UNDETERMINED"),
      Map.entry(Session.QUEUED_ACTIVE, "QUEUED_ACTIVE"),
      Map.entry(Session.SYSTEM_ON_HOLD, "SYSTEM_ON_HOLD"),
      Map.entry(Session.USER_ON_HOLD, "USER_ON_HOLD"),
      Map.entry(Session.USER_SYSTEM_ON_HOLD, "USER_SYSTEM_ON_HOLD"),
      Map.entry(Session.RUNNING, "RUNNING"),
      Map.entry(Session.SYSTEM_SUSPENDED, "SYSTEM_SUSPENDED"),
      Map.entry(Session.USER_SUSPENDED, "USER_SUSPENDED"),
      Map.entry(Session.USER_SYSTEM_SUSPENDED, "USER_SYSTEM_SUSPENDED"),
      Map.entry(Session.DONE, "DONE"),
      Map.entry(Session.FAILED, "FAILED"));

  private DrmaaStates() {
  }

  public static String name(int state) {
    return NAMES.getOrDefault(state, "UNKNOWN(" + state + ")");
  }
}
