package org.virtualservices.core.config;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * The one-line description and the default of a site-configuration key. The default is written as
 * it would be in the YAML file and converted like any value read from it; {@link #NONE} means the
 * key is optional and absent by default.
 */
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.RECORD_COMPONENT)
public @interface Doc {

  String NONE = "\u0000none";

  /** One line: what the key means. */
  String value();

  /** The default, as YAML text; {@link #NONE} for "no value". */
  String defaultValue() default NONE;
}
