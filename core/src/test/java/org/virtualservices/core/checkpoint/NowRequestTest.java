package org.virtualservices.core.checkpoint;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The helper's own check of --vc-checkpoint-now's value: the plugin's syntax (spank/test/now_test.c), strictly. */
class NowRequestTest {

  private static final Instant NOW = Instant.ofEpochMilli(1_800_000_000_000L);

  @Test
  void readsTheMomentAndTheFlags() {
    assertEquals(new NowRequest(Instant.ofEpochMilli(1_800_000_002_000L), false, OptionalInt.empty()),
        NowRequest.parse("1800000002000"));
    NowRequest r = NowRequest.parse("1800000002000,keep=2,stop");
    assertTrue(r.stop());
    assertEquals(OptionalInt.of(2), r.keep());
    assertEquals("1800000002000,stop,keep=2", r.value());
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "now", "01800000002000", "-1", "1800000002000,", "1800000002000,stop,stop",
      "1800000002000,keep=1,keep=2", "1800000002000,keep=0", "1800000002000,keep=100", "1800000002000,STOP",
      "1800000002000 ", "1800000002000\n", "1800000002000,stop;reboot", "18000000020000000000"})
  void refusesAnythingElseWhole(String value) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> NowRequest.parse(value));
    assertFalse(value.length() > 3 && e.getMessage().contains(value), "the user's value is not repeated");
  }

  @Test
  void aPauseFarAheadOrLongAgoIsRefused() {
    assertTrue(NowRequest.parse("1800000010000").tooFar(NOW).isEmpty(), "10 s ahead: the most");
    assertTrue(NowRequest.parse("1800000010001").tooFar(NOW).orElseThrow().contains("more than 10 s"));
    assertTrue(NowRequest.parse("1799999970000").tooFar(NOW).isEmpty(), "30 s late: a slow start");
    assertTrue(NowRequest.parse("1799999969999").tooFar(NOW).orElseThrow().contains("ago"));
  }
}
