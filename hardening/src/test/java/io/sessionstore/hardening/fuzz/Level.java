package io.sessionstore.hardening.fuzz;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import net.jqwik.api.lifecycle.AroundPropertyHook;
import net.jqwik.api.lifecycle.PropertyExecutionResult;
import net.jqwik.api.lifecycle.PropertyExecutor;
import net.jqwik.api.lifecycle.PropertyLifecycleContext;

/**
 * How many tries a property gets at each hardening level ({@code -Dhardening.level=quick|long},
 * default quick). Applied by {@link Level.Hook}, which each fuzz class registers with
 * {@code @AddLifecycleHook}.
 */
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.METHOD)
@interface Level {
  int quick();

  int longRun();

  /** The level this run uses, and figures picked by it. */
  final class Run {
    private Run() {}

    static boolean isLong() {
      return "long".equalsIgnoreCase(System.getProperty("hardening.level", "quick").trim());
    }

    static int pick(int quick, int longRun) {
      return isLong() ? longRun : quick;
    }
  }

  /** Sets the property's tries from its {@link Level} annotation. */
  final class Hook implements AroundPropertyHook {
    @Override
    public PropertyExecutionResult aroundProperty(
        PropertyLifecycleContext context, PropertyExecutor property) {
      context
          .findAnnotation(Level.class)
          .ifPresent(l -> context.attributes().setTries(Run.pick(l.quick(), l.longRun())));
      return property.execute();
    }

    /** Outside jqwik's own hooks: the tries must be set before the property starts generating. */
    @Override
    public int aroundPropertyProximity() {
      return -100;
    }
  }
}
