// The site menu on a phone: folded behind one button (a file, not inline: the CSP allows no
// inline script). Without this script the menu stays unfolded, as on a desktop.
document.addEventListener("DOMContentLoaded", () => {
  const button = document.querySelector(".menu-button");
  const nav = document.getElementById("main-nav");
  if (!button || !nav) return;
  document.querySelector(".topbar").classList.add("foldable");
  button.addEventListener("click", () => {
    const open = button.getAttribute("aria-expanded") !== "true";
    button.setAttribute("aria-expanded", String(open));
    nav.classList.toggle("open", open);
  });
});
