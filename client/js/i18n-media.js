// Strings of the media controls (issue 17): audio only and the downgrade, interpretation
// channels and the interpreter's booth, microphone and camera switches, volume and full
// screen, in English, French and Spanish. Added to the dictionaries on import.

import { DICTIONARIES } from './i18n.js';

const en = {
  'media.listen': 'Listen to',
  'media.floor': 'Floor (original)',
  'media.lang.en': 'English',
  'media.lang.fr': 'French',
  'media.lang.es': 'Spanish',
  'media.lang.ar': 'Arabic',
  'media.lang.zh': 'Chinese',
  'media.lang.ru': 'Russian',
  'media.volume': 'Sound volume',
  'media.fullscreen': 'Full screen',
  'media.audio_only': 'Audio only',
  'media.show_video': 'Show video',
  'media.downgraded': 'Your connection could not keep up with the video: you now hear the audio only. Choose “Show video” to try again.',
  'media.mic_off': 'Microphone off',
  'media.cam_off': 'Camera off',
  'media.mute': 'Mute microphone',
  'media.unmute': 'Unmute microphone',
  'media.camera_off': 'Turn camera off',
  'media.camera_on': 'Turn camera on',
  'media.booth': 'Interpretation booth',
  'media.booth_lang': 'Language you interpret into',
  'media.booth_start': 'Start interpreting',
  'media.booth_stop': 'Stop interpreting',
  'media.booth_live': 'You are live in {lang}',
  'media.on_stage': 'On stage',
};

const fr = {
  'media.listen': 'Écouter',
  'media.floor': 'Salle (version originale)',
  'media.lang.en': 'anglais',
  'media.lang.fr': 'français',
  'media.lang.es': 'espagnol',
  'media.lang.ar': 'arabe',
  'media.lang.zh': 'chinois',
  'media.lang.ru': 'russe',
  'media.volume': 'Volume sonore',
  'media.fullscreen': 'Plein écran',
  'media.audio_only': 'Audio seul',
  'media.show_video': 'Afficher la vidéo',
  'media.downgraded': 'Votre connexion ne suivait plus la vidéo : vous n’entendez plus que le son. Choisissez « Afficher la vidéo » pour réessayer.',
  'media.mic_off': 'Micro coupé',
  'media.cam_off': 'Caméra coupée',
  'media.mute': 'Couper le micro',
  'media.unmute': 'Rétablir le micro',
  'media.camera_off': 'Couper la caméra',
  'media.camera_on': 'Rallumer la caméra',
  'media.booth': 'Cabine d’interprétation',
  'media.booth_lang': 'Langue vers laquelle vous interprétez',
  'media.booth_start': 'Commencer l’interprétation',
  'media.booth_stop': 'Arrêter l’interprétation',
  'media.booth_live': 'Vous êtes en direct en {lang}',
  'media.on_stage': 'Sur scène',
};

const es = {
  'media.listen': 'Escuchar',
  'media.floor': 'Sala (original)',
  'media.lang.en': 'inglés',
  'media.lang.fr': 'francés',
  'media.lang.es': 'español',
  'media.lang.ar': 'árabe',
  'media.lang.zh': 'chino',
  'media.lang.ru': 'ruso',
  'media.volume': 'Volumen',
  'media.fullscreen': 'Pantalla completa',
  'media.audio_only': 'Solo audio',
  'media.show_video': 'Mostrar el vídeo',
  'media.downgraded': 'Su conexión no podía seguir el vídeo: ahora solo oye el audio. Elija «Mostrar el vídeo» para volver a intentarlo.',
  'media.mic_off': 'Micrófono apagado',
  'media.cam_off': 'Cámara apagada',
  'media.mute': 'Silenciar el micrófono',
  'media.unmute': 'Activar el micrófono',
  'media.camera_off': 'Apagar la cámara',
  'media.camera_on': 'Encender la cámara',
  'media.booth': 'Cabina de interpretación',
  'media.booth_lang': 'Idioma al que interpreta',
  'media.booth_start': 'Empezar a interpretar',
  'media.booth_stop': 'Dejar de interpretar',
  'media.booth_live': 'Está en directo en {lang}',
  'media.on_stage': 'En el escenario',
};

for (const [code, strings] of Object.entries({ en, fr, es })) {
  Object.assign(DICTIONARIES[code], strings);
}

/** A language's name, or its tag when there is no string for it. */
export function langName(t, tag) {
  const key = `media.lang.${tag}`;
  const name = t(key);
  return name === key ? tag : name;
}
