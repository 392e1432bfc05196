package org.virtualservices.core.net;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class VxlanMtuTest {

  @Test
  void guestMtuLeavesRoomForTheEncapsulation() {
    assertEquals(1450, VxlanMtu.guestMtu(1500, false));
    assertEquals(8950, VxlanMtu.guestMtu(9000, false));
    assertEquals(1430, VxlanMtu.guestMtu(1500, true));
    assertThrows(IllegalArgumentException.class, () -> VxlanMtu.guestMtu(100, false));
  }
}
