// Placeholder: branch `screens` writes this screen (SPEC.md: export default function Screen({ ctx })).
import { html } from "htm/preact";

export default function Screen({ ctx }) {
  return html`<section class="screen"><h1>${ctx.t("view.stats")}</h1></section>`;
}
