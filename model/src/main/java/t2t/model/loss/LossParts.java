package t2t.model.loss;

/**
 * The objective's value and its parts as plain numbers, for logging (metrics.jsonl). A part that
 * is switched off is 0.
 *
 * @param total what backward ran on
 * @param base soft-target CE of the cls head against the (mixed, smoothed) targets
 * @param distill the distillation term before the alpha weighting
 * @param dense the token-labeling term before its weight
 */
public record LossParts(float total, float base, float distill, float dense) {}
