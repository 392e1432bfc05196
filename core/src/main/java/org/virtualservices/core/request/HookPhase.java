package org.virtualservices.core.request;

/** Which hook runs. */
public enum HookPhase {
  PROLOG,
  EPILOG
}
