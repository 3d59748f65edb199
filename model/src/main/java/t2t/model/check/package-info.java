/**
 * The engine self-check: the ops the models use, run on this CPU through the engine and compared
 * with plain-Java references, so a library kernel that computes wrong on some CPU stops a run
 * before it trains garbage.
 */
package t2t.model.check;
