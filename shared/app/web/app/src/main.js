import { h, render } from "preact";
import { html } from "htm/preact";

function App() {
  return html`<main><h1>Vigie</h1></main>`;
}

render(h(App), document.getElementById("root"));
