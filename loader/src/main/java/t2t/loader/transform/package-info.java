/**
 * Per-sample augmentation with timm's semantics and Pillow 9.4's arithmetic, built as timm builds
 * it: {@link t2t.loader.transform.Transforms#create} turns a model's
 * {@link t2t.loader.transform.DataConfig} and the run's {@link t2t.loader.transform.AugmentConfig}
 * into a {@link t2t.loader.transform.StagedTransform} of three stages (geometric, photometric,
 * tensor), each op present only when its setting is on. Randomness comes only from the
 * {@link java.util.SplittableRandom} passed per sample. The Pillow primitives
 * ({@code PillowResample}, {@code PillowAffine}, {@code PillowEnhance}, {@code PillowLut}) are
 * checked bit for bit against Pillow's output in the tests.
 */
package t2t.loader.transform;
