// The procedure editors (forms, procedure information, trial run, version migration) live
// here, rendered into <section id="editors"> of the designer page. Helper `formsmeta` fills
// this file; the page talks to it only through DOM events (motcua:version, motcua:focus,
// motcua:open-procedure), as the README's designer section sets out.
