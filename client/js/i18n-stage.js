// Strings of the stage for everyone (issue 17): live captions and the captioner's desk, in
// English, French and Spanish. Kept in their own file and added to the dictionaries on
// import, so the language files stay easy to merge.

import { DICTIONARIES } from './i18n.js';

const en = {
  'cap.title': 'Captions',
  'cap.on': 'Captions on',
  'cap.off': 'Captions off',
  'cap.show': 'Show captions',
  'cap.hide': 'Hide captions',
  'cap.language': 'Caption language',
  'cap.waiting': 'Captions appear here as the captioner types them.',
  'cap.lang.en': 'English',
  'cap.lang.fr': 'French',
  'cap.lang.es': 'Spanish',
  'desk.title': 'Captioning desk',
  'desk.hint': 'Type what is said and press Enter: each line reaches everyone at once.',
  'desk.line': 'Caption line',
  'desk.language': 'Language you caption in',
  'desk.send': 'Send line',
  'desk.sent': 'Sent',
  'view.captioner': 'Captions',
  'error.caption_text': 'A caption line is 1 to 500 characters.',
};

const fr = {
  'cap.title': 'Sous-titres',
  'cap.on': 'Sous-titres activés',
  'cap.off': 'Sous-titres désactivés',
  'cap.show': 'Afficher les sous-titres',
  'cap.hide': 'Masquer les sous-titres',
  'cap.language': 'Langue des sous-titres',
  'cap.waiting': 'Les sous-titres s’affichent ici au fur et à mesure de la saisie.',
  'cap.lang.en': 'anglais',
  'cap.lang.fr': 'français',
  'cap.lang.es': 'espagnol',
  'desk.title': 'Poste de sous-titrage',
  'desk.hint': 'Tapez ce qui est dit et appuyez sur Entrée : chaque ligne parvient aussitôt à tous.',
  'desk.line': 'Ligne de sous-titre',
  'desk.language': 'Langue de vos sous-titres',
  'desk.send': 'Envoyer la ligne',
  'desk.sent': 'Envoyées',
  'view.captioner': 'Sous-titres',
  'error.caption_text': 'Une ligne de sous-titre compte de 1 à 500 caractères.',
};

const es = {
  'cap.title': 'Subtítulos',
  'cap.on': 'Subtítulos activados',
  'cap.off': 'Subtítulos desactivados',
  'cap.show': 'Mostrar subtítulos',
  'cap.hide': 'Ocultar subtítulos',
  'cap.language': 'Idioma de los subtítulos',
  'cap.waiting': 'Los subtítulos aparecen aquí a medida que se escriben.',
  'cap.lang.en': 'inglés',
  'cap.lang.fr': 'francés',
  'cap.lang.es': 'español',
  'desk.title': 'Puesto de subtitulado',
  'desk.hint': 'Escriba lo que se dice y pulse Intro: cada línea llega a todos al instante.',
  'desk.line': 'Línea de subtítulo',
  'desk.language': 'Idioma en que subtitula',
  'desk.send': 'Enviar línea',
  'desk.sent': 'Enviadas',
  'view.captioner': 'Subtítulos',
  'error.caption_text': 'Una línea de subtítulo tiene de 1 a 500 caracteres.',
};

for (const [code, strings] of Object.entries({ en, fr, es })) {
  Object.assign(DICTIONARIES[code], strings);
}
