package t2t.model.optim;

import java.util.Set;

/**
 * Which trainable parameters get weight decay. The default is timm's and the official T2T-ViT /
 * DeiT one: no decay on 1-D tensors (biases, norm scales and shifts) nor on the token and position
 * tables ({@code cls_token}, {@code dist_token}, {@code pos_embed}).
 *
 * <p>A caller overrides it by passing its own rule to {@link FlatLayout#of(java.util.List,
 * DecayRule)}, e.g. {@code DecayRule.standard().exceptNames(Set.of("head.weight"))} to also exempt
 * a tensor, or a lambda {@code (name, shape) -> true} to decay everything (timm's
 * {@code --weight-decay} with {@code filter_bias_and_bn=False}).
 */
@FunctionalInterface
public interface DecayRule {

    boolean decays(String name, long[] shape);

    /** timm's {@code param_groups_weight_decay} with T2T-ViT's {@code no_weight_decay()} set. */
    static DecayRule standard() {
        return (name, shape) ->
                shape.length > 1
                        && !name.endsWith("cls_token")
                        && !name.endsWith("dist_token")
                        && !name.endsWith("pos_embed");
    }

    /** This rule, with the named parameters (exact names) exempt from decay as well. */
    default DecayRule exceptNames(Set<String> noDecay) {
        Set<String> copy = Set.copyOf(noDecay);
        return (name, shape) -> !copy.contains(name) && decays(name, shape);
    }
}
