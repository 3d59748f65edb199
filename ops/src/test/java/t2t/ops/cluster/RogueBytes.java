package t2t.ops.cluster;

/** Raw bytes a rogue node sends as if they were a tensor message with this manifest ("G" gradient, "P" parameters). */
record RogueBytes(String manifest, byte[] bytes) {}
