package org.virtualservices.core.rm;

import java.util.OptionalInt;

/** Looks up numeric ids for user and group names, as the system's name service knows them. */
public interface Accounts {

  /** The uid of {@code user}, or empty when the system does not know the name. */
  OptionalInt uid(String user);

  /** The gid of {@code group}, or empty when the system does not know the name. */
  OptionalInt gid(String group);

  /** The primary gid of {@code user} (its passwd entry's), or empty when the system does not know the name. */
  OptionalInt primaryGid(String user);
}
