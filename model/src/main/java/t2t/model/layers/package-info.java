/**
 * The building blocks of T2T-ViT, one concept per file, each parameter under its official
 * state-dict name. Never imports {@code t2t.model} (timm's layers/models split).
 */
package t2t.model.layers;
