// Initialise GOV.UK Frontend components (error summaries, details, character counts...).
import { initAll } from './govuk/govuk-frontend.min.js'
initAll()

// Print buttons (no inline script: the Content-Security-Policy forbids it).
document.querySelectorAll('[data-print]').forEach((button) => {
  button.addEventListener('click', () => window.print())
})
