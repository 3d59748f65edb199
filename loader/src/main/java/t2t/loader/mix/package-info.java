/**
 * Batch mixing with timm's {@code Mixup} semantics (Mixup / CutMix; batch, pair and element modes;
 * smoothed soft targets; area-corrected lambda) on normalized float NCHW batches, plus CutMix with
 * boxes snapped to a token grid for Token Labeling (our MixToken).
 */
package t2t.loader.mix;
