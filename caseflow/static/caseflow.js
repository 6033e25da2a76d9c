// Initialise GOV.UK Frontend components (error summaries, details, character counts...).
import { initAll } from './govuk/govuk-frontend.min.js'
initAll()
