// All user-facing strings, Norwegian bokmål first. A value may be a plural
// object {one, other}, picked by params.n. Placeholders look like {name}.

export const nb = {
  'app.name': 'Digital Stampcard',
  'app.skip': 'Hopp til innhold',
  'app.loading': 'Laster …',
  'lang.other': 'English',
  'lang.switchLabel': 'Change language to English',
  'lang.label': 'Språk',
  'lang.nb': 'Norsk (bokmål)',
  'lang.en': 'English',
  'nav.home': 'Mitt kort',
  'nav.profile': 'Min profil',
  'nav.logout': 'Logg ut',
  'common.retry': 'Prøv igjen',
  'common.close': 'Lukk',
  'common.cancel': 'Avbryt',
  'common.back': 'Tilbake',

  'join.title': 'Bli medlem',
  'join.lead': 'Samle stempler og få belønninger hos {business}. Det tar under ett minutt.',
  'join.storeWelcome': 'Velkommen til {store}!',
  'join.identifier': 'Mobilnummer eller e-post',
  'join.identifierHint': 'Vi sender en 6-sifret kode hit. Vi spør aldri om begge deler.',
  'join.identifierRequired': 'Skriv inn mobilnummer eller e-post.',
  'join.termsBefore': 'Jeg godtar ',
  'join.termsLink': 'vilkårene for kundeklubben',
  'join.termsHint': 'Påkrevd for å bli medlem.',
  'join.termsRequired': 'Du må godta vilkårene for å bli medlem.',
  'join.marketingTitle': 'Vil du høre fra oss?',
  'join.marketingLead': 'Valgfritt. Du er medlem uansett, og kan endre dette når som helst.',
  'join.mEmail': 'Tilbud på e-post',
  'join.mEmailHint': 'Nyheter og tilbud fra oss, aldri mer enn noen ganger i måneden.',
  'join.mSms': 'Tilbud på SMS',
  'join.mSmsHint': 'Korte tilbud og invitasjoner rett på mobilen.',
  'join.mPush': 'Tilbud som varsler',
  'join.mPushHint': 'Varsler om tilbud i appen – aldri om natten, aldri ofte.',
  'join.submit': 'Send kode',
  'join.haveAccount': 'Allerede medlem?',
  'join.toLogin': 'Logg inn',
  'login.title': 'Logg inn',
  'login.lead': 'Skriv inn mobilnummer eller e-post, så sender vi deg en engangskode.',
  'login.noAccount': 'Ikke medlem ennå?',
  'login.toJoin': 'Bli medlem',

  'code.title': 'Skriv inn koden',
  'code.sentTo': 'Vi har sendt en kode på {channel} til {destination}.',
  'code.channel.sms': 'SMS',
  'code.channel.email': 'e-post',
  'code.label': '6-sifret kode',
  'code.hint': 'Koden er gyldig i {minutes} minutter.',
  'code.submit': 'Bekreft',
  'code.resend': 'Send ny kode',
  'code.resendIn': 'Send ny kode om {s} s',
  'code.resent': 'Ny kode er sendt.',
  'code.change': 'Bruk et annet nummer eller e-post',
  'code.invalidFormat': 'Koden består av 6 siffer.',
  'code.termsNeeded': 'Du er ikke medlem ennå. Godta vilkårene for å fullføre innmeldingen.',
  'code.finishJoin': 'Bli medlem',
  'code.devTitle': 'Dev: se koden i utboksen',
  'code.devNote': 'Kun i utviklingsmiljø – vises aldri i produksjon.',
  'code.devNone': 'Fant ingen melding til denne mottakeren ennå.',
  'code.devFill': 'Fyll inn {code}',

  'home.greeting': 'Hei, {name}!',
  'home.greetingAnon': 'Hei!',
  'home.memberNo': 'Medlemsnummer {number}',
  'home.showCard': 'Vis kortet',
  'home.rewardsTitle': 'Dine belønninger',
  'home.rewardsEmpty': 'Ingen belønninger ennå – de dukker opp her når kortet er fullt.',
  'home.activityTitle': 'Siste aktivitet',
  'home.activityEmpty': 'Ingen aktivitet ennå. Vis kortet neste gang du handler!',
  'home.promptTitle': 'Fortell oss litt om deg',
  'home.promptBody': 'Legg til navn, bursdag og interesser, så får du et bonusstempel.',
  'home.promptCta': 'Fyll ut profilen',
  'home.promptDismiss': 'Ikke nå',
  'home.newStamp': 'Nytt stempel! Du har nå {n} av {total}.',
  'home.welcome': 'Velkommen i klubben! Her er stempelkortet ditt.',
  'home.offline': 'Du er frakoblet. Medlemskortet ditt virker likevel.',

  'card.stampsOf': '{n} av {total} stempler',
  'card.rewardAt': 'Fullt kort gir: {reward}',
  'card.none': 'Ingen aktivt stempelkort akkurat nå.',
  'reward.validUntil': 'Gyldig til {date}',
  'reward.howTo': 'Vis kortet i kassen for å løse inn.',
  'tier.label': 'Nivå',
  'tier.toNext': { one: '{n} stempel til {tier}', other: '{n} stempler til {tier}' },
  'tier.top': 'Du har høyeste nivå – takk for at du er med!',
  'tier.progressLabel': 'Fremgang mot {tier}',
  'tier.window': 'Vi teller stempler fra de siste {days} dagene.',
  'activity.stamp': { one: '+{n} stempel', other: '+{n} stempler' },
  'activity.bonus': { one: 'Bonus: +{n} stempel', other: 'Bonus: +{n} stempler' },
  'activity.reward_issued': 'Belønning klar',
  'activity.reward_redeemed': 'Belønning løst inn',
  'activity.undo': 'Korrigert',

  'profile.title': 'Min profil',
  'profile.lead': 'Alt er valgfritt. Fullfører du profilen, får du et bonusstempel.',
  'profile.firstName': 'Fornavn',
  'profile.birthday': 'Bursdag',
  'profile.birthdayHint': 'Så vi kan feire deg. Vi viser den aldri til andre.',
  'profile.interests': 'Interesser',
  'profile.favStore': 'Favorittbutikk',
  'profile.favStoreNone': 'Ingen valgt',
  'profile.save': 'Lagre',
  'profile.skip': 'Hopp over',
  'profile.saved': 'Profilen er lagret.',
  'profile.bonus': 'Takk! Du fikk et bonusstempel.',
  'profile.account': 'Konto',
  'profile.signedInAs': 'Logget inn som {id}',

  'qr.title': 'Medlemskort',
  'qr.alt': 'Din medlems-QR-kode. Vis den i kassen.',
  'qr.memberNo': 'Medlemsnummer',
  'qr.nextIn': 'Ny kode om {s} s',
  'qr.hint': 'Hold skjermen mot skanneren i kassen.',
  'qr.stale': 'Sist oppdatert {date}. Koble til nett når du kan.',
  'qr.notReady': 'Kortet er ikke klart på denne enheten ennå. Koble til internett og åpne appen igjen.',
  'qr.unsupported': 'Denne nettleseren kan ikke lage den sikre QR-koden. Oppgi medlemsnummeret i kassen.',

  'staffLogin.title': 'Innlogging for ansatte',
  'staffLogin.username': 'Brukernavn',
  'staffLogin.password': 'Passord',
  'staffLogin.submit': 'Logg inn',
  'staff.title': 'Skann medlem',
  'staff.allStores': 'Alle butikker',
  'staff.cameraStart': 'Start kamera',
  'staff.cameraDenied': 'Fikk ikke tilgang til kameraet. Bruk håndskanner eller skriv inn medlemsnummer.',
  'staff.cameraLabel': 'Kamerabilde for QR-skanning',
  'staff.scannerHint': 'Hold kundens QR-kode foran kameraet, eller bruk håndskanneren.',
  'staff.manualLabel': 'Medlemsnummer eller mobilnummer',
  'staff.manualSubmit': 'Finn medlem',
  'staff.looking': 'Henter medlem …',
  'staff.memberNo': 'Medlemsnr. {n}',
  'staff.anonymous': 'Medlem uten navn',
  'staff.manualMethod': 'Funnet manuelt – kunden må vise QR-koden for å løse inn.',
  'staff.add': { one: '+{n} stempel', other: '+{n} stempler' },
  'staff.redeem': 'Løs inn: {title}',
  'staff.cannotRedeem': 'Innløsning krever at kunden viser QR-koden.',
  'staff.noRewards': 'Ingen belønninger klare.',
  'staff.rewardsTitle': 'Belønninger',
  'staff.undo': 'Angre siste',
  'staff.undoReason': 'Hvorfor angre?',
  'staff.undoHint': 'Minst 3 tegn, for eksempel «feil kunde».',
  'staff.undoConfirm': 'Bekreft angring',
  'staff.undoLeft': 'Kan angres i {s} s til.',
  'staff.newScan': 'Ny skanning',
  'staff.added': { one: 'Stempel lagt til – {stamps} av {capacity}', other: '{n} stempler lagt til – {stamps} av {capacity}' },
  'staff.duplicate': 'Allerede stemplet nå nettopp – {stamps} av {capacity}',
  'staff.capped': 'Dagens grense er nådd. La til {n}.',
  'staff.rewardIssued': 'Belønning klar: {title}!',
  'staff.redeemed': 'Løst inn: {title}',
  'staff.undone': 'Siste handling er angret.',
  'staff.working': 'Lagrer …',
  'staff.waiting': 'Klar til å skanne neste kunde.',

  'poster.join': 'Bli medlem',
  'poster.lead': 'Skann koden med mobilkameraet. Samle stempler og få belønninger!',
  'poster.orVisit': 'Eller gå til',
  'poster.print': 'Skriv ut plakaten',
  'poster.qrAlt': 'QR-kode for å bli medlem i {store}',
  'poster.unknownStore': 'Fant ikke denne butikken.',

  'offline.title': 'Du er frakoblet',
  'offline.body': 'Denne siden trenger internett. Medlemskortet ditt virker likevel.',
  'offline.showCard': 'Vis kortet',
  'notFound.title': 'Fant ikke siden',
  'notFound.home': 'Til forsiden',

  'err.validation_error': 'Noe i skjemaet ser ikke riktig ut. Sjekk feltene og prøv igjen.',
  'err.invalid_identifier': 'Det ser ikke ut som et gyldig mobilnummer eller en e-postadresse.',
  'err.terms_required': 'Du må godta vilkårene for å bli medlem.',
  'err.code_invalid': { one: 'Feil kode. Du har {n} forsøk igjen.', other: 'Feil kode. Du har {n} forsøk igjen.' },
  'err.code_invalid_plain': 'Feil kode. Prøv igjen.',
  'err.code_expired': 'Koden er utløpt. Be om en ny kode.',
  'err.code_used': 'Koden er allerede brukt. Be om en ny kode.',
  'err.too_many_attempts': 'For mange feil forsøk. Be om en ny kode.',
  'err.rate_limited': { one: 'For mange forsøk. Prøv igjen om {n} sekund.', other: 'For mange forsøk. Prøv igjen om {n} sekunder.' },
  'err.rate_limited_plain': 'For mange forsøk. Vent litt og prøv igjen.',
  'err.not_authenticated': 'Du er ikke logget inn.',
  'err.forbidden': 'Du har ikke tilgang til dette.',
  'err.not_found': 'Fant ikke det du lette etter.',
  'err.staff_login_failed': 'Feil brukernavn eller passord.',
  'err.account_disabled': 'Kontoen er deaktivert. Kontakt eieren.',
  'err.qr_invalid': 'Ukjent QR-kode. Be kunden åpne «Vis kortet» i appen.',
  'err.qr_expired': 'QR-koden er utløpt. Be kunden vise kortet på nytt.',
  'err.qr_replayed': 'Denne QR-koden er allerede brukt. Be kunden vente på ny kode.',
  'err.device_unknown': 'Telefonen er ikke registrert. Be kunden logge inn i appen på nytt.',
  'err.member_not_found': 'Fant ikke noe medlem med det nummeret.',
  'err.scan_expired': 'Skanningen er utløpt. Skann kunden på nytt.',
  'err.daily_cap_reached': 'Dagens grense for stempler er nådd for dette medlemmet.',
  'err.reward_not_active': 'Belønningen er ikke aktiv lenger.',
  'err.reward_expired': 'Belønningen er utløpt.',
  'err.manual_entry_cannot_redeem': 'Innløsning krever at kunden viser QR-koden.',
  'err.undo_window_passed': 'Det er for sent å angre denne handlingen.',
  'err.nothing_to_undo': 'Det er ingenting å angre.',
  'err.idempotency_conflict': 'Forespørselen kolliderte med en tidligere. Start handlingen på nytt.',
  'err.idempotency_in_flight': 'Forrige forsøk behandles fortsatt. Vent et øyeblikk.',
  'err.csrf': 'Økten ble utdatert. Last inn siden på nytt og prøv igjen.',
  'err.server_error': 'Noe gikk galt hos oss. Prøv igjen om litt.',
  'err.generic': 'Noe gikk galt. Prøv igjen.',
  'err.network': 'Ingen nettforbindelse. Sjekk nettet og prøv igjen.',
};

export const en = {
  'app.name': 'Digital Stampcard',
  'app.skip': 'Skip to content',
  'app.loading': 'Loading …',
  'lang.other': 'Norsk',
  'lang.switchLabel': 'Bytt språk til norsk',
  'lang.label': 'Language',
  'lang.nb': 'Norsk (bokmål)',
  'lang.en': 'English',
  'nav.home': 'My card',
  'nav.profile': 'My profile',
  'nav.logout': 'Log out',
  'common.retry': 'Try again',
  'common.close': 'Close',
  'common.cancel': 'Cancel',
  'common.back': 'Back',

  'join.title': 'Join the club',
  'join.lead': 'Collect stamps and earn rewards at {business}. It takes less than a minute.',
  'join.storeWelcome': 'Welcome to {store}!',
  'join.identifier': 'Mobile number or e-mail',
  'join.identifierHint': 'We send a 6-digit code here. We never ask for both.',
  'join.identifierRequired': 'Enter a mobile number or an e-mail address.',
  'join.termsBefore': 'I accept the ',
  'join.termsLink': 'club terms',
  'join.termsHint': 'Required to join.',
  'join.termsRequired': 'You need to accept the terms to join.',
  'join.marketingTitle': 'Would you like to hear from us?',
  'join.marketingLead': 'Optional. You are a member either way and can change this at any time.',
  'join.mEmail': 'Offers by e-mail',
  'join.mEmailHint': 'News and offers from us, never more than a few times a month.',
  'join.mSms': 'Offers by text message',
  'join.mSmsHint': 'Short offers and invitations straight to your phone.',
  'join.mPush': 'Offers as notifications',
  'join.mPushHint': 'App notifications about offers – never at night, never often.',
  'join.submit': 'Send code',
  'join.haveAccount': 'Already a member?',
  'join.toLogin': 'Log in',
  'login.title': 'Log in',
  'login.lead': 'Enter your mobile number or e-mail and we will send you a one-time code.',
  'login.noAccount': 'Not a member yet?',
  'login.toJoin': 'Join the club',

  'code.title': 'Enter the code',
  'code.sentTo': 'We sent a code by {channel} to {destination}.',
  'code.channel.sms': 'text message',
  'code.channel.email': 'e-mail',
  'code.label': '6-digit code',
  'code.hint': 'The code is valid for {minutes} minutes.',
  'code.submit': 'Confirm',
  'code.resend': 'Send a new code',
  'code.resendIn': 'Send a new code in {s} s',
  'code.resent': 'A new code has been sent.',
  'code.change': 'Use another number or e-mail',
  'code.invalidFormat': 'The code has 6 digits.',
  'code.termsNeeded': 'You are not a member yet. Accept the terms to finish joining.',
  'code.finishJoin': 'Join the club',
  'code.devTitle': 'Dev: see the code in the outbox',
  'code.devNote': 'Development only – never shown in production.',
  'code.devNone': 'No message to this recipient yet.',
  'code.devFill': 'Fill in {code}',

  'home.greeting': 'Hi, {name}!',
  'home.greetingAnon': 'Hi!',
  'home.memberNo': 'Member number {number}',
  'home.showCard': 'Show my card',
  'home.rewardsTitle': 'Your rewards',
  'home.rewardsEmpty': 'No rewards yet – they appear here when your card is full.',
  'home.activityTitle': 'Recent activity',
  'home.activityEmpty': 'No activity yet. Show your card next time you shop!',
  'home.promptTitle': 'Tell us a little about yourself',
  'home.promptBody': 'Add your name, birthday and interests and get a bonus stamp.',
  'home.promptCta': 'Complete your profile',
  'home.promptDismiss': 'Not now',
  'home.newStamp': 'New stamp! You now have {n} of {total}.',
  'home.welcome': 'Welcome to the club! Here is your stamp card.',
  'home.offline': 'You are offline. Your member card still works.',

  'card.stampsOf': '{n} of {total} stamps',
  'card.rewardAt': 'A full card gives: {reward}',
  'card.none': 'No active stamp card right now.',
  'reward.validUntil': 'Valid until {date}',
  'reward.howTo': 'Show your card at the till to redeem.',
  'tier.label': 'Tier',
  'tier.toNext': { one: '{n} stamp to {tier}', other: '{n} stamps to {tier}' },
  'tier.top': 'You are at the top tier – thank you for being with us!',
  'tier.progressLabel': 'Progress to {tier}',
  'tier.window': 'We count stamps from the last {days} days.',
  'activity.stamp': { one: '+{n} stamp', other: '+{n} stamps' },
  'activity.bonus': { one: 'Bonus: +{n} stamp', other: 'Bonus: +{n} stamps' },
  'activity.reward_issued': 'Reward ready',
  'activity.reward_redeemed': 'Reward redeemed',
  'activity.undo': 'Corrected',

  'profile.title': 'My profile',
  'profile.lead': 'Everything is optional. Complete your profile to get a bonus stamp.',
  'profile.firstName': 'First name',
  'profile.birthday': 'Birthday',
  'profile.birthdayHint': 'So we can celebrate you. Never shown to anyone else.',
  'profile.interests': 'Interests',
  'profile.favStore': 'Favourite store',
  'profile.favStoreNone': 'None selected',
  'profile.save': 'Save',
  'profile.skip': 'Skip',
  'profile.saved': 'Your profile is saved.',
  'profile.bonus': 'Thank you! You got a bonus stamp.',
  'profile.account': 'Account',
  'profile.signedInAs': 'Signed in as {id}',

  'qr.title': 'Member card',
  'qr.alt': 'Your member QR code. Show it at the till.',
  'qr.memberNo': 'Member number',
  'qr.nextIn': 'New code in {s} s',
  'qr.hint': 'Hold the screen up to the scanner at the till.',
  'qr.stale': 'Last updated {date}. Go online when you can.',
  'qr.notReady': 'Your card is not ready on this device yet. Go online and open the app again.',
  'qr.unsupported': 'This browser cannot create the secure QR code. Give your member number at the till.',

  'staffLogin.title': 'Staff sign-in',
  'staffLogin.username': 'Username',
  'staffLogin.password': 'Password',
  'staffLogin.submit': 'Sign in',
  'staff.title': 'Scan member',
  'staff.allStores': 'All stores',
  'staff.cameraStart': 'Start camera',
  'staff.cameraDenied': 'No access to the camera. Use the handheld scanner or type the member number.',
  'staff.cameraLabel': 'Camera view for QR scanning',
  'staff.scannerHint': 'Hold the customer’s QR code in front of the camera, or use the handheld scanner.',
  'staff.manualLabel': 'Member number or mobile number',
  'staff.manualSubmit': 'Find member',
  'staff.looking': 'Looking up member …',
  'staff.memberNo': 'Member no. {n}',
  'staff.anonymous': 'Member without a name',
  'staff.manualMethod': 'Found manually – the customer must show the QR code to redeem.',
  'staff.add': { one: '+{n} stamp', other: '+{n} stamps' },
  'staff.redeem': 'Redeem: {title}',
  'staff.cannotRedeem': 'Redeeming requires the customer to show the QR code.',
  'staff.noRewards': 'No rewards ready.',
  'staff.rewardsTitle': 'Rewards',
  'staff.undo': 'Undo last',
  'staff.undoReason': 'Why undo?',
  'staff.undoHint': 'At least 3 characters, for example “wrong customer”.',
  'staff.undoConfirm': 'Confirm undo',
  'staff.undoLeft': 'Can be undone for {s} s more.',
  'staff.newScan': 'New scan',
  'staff.added': { one: 'Stamp added – {stamps} of {capacity}', other: '{n} stamps added – {stamps} of {capacity}' },
  'staff.duplicate': 'Already stamped just now – {stamps} of {capacity}',
  'staff.capped': 'Daily limit reached. Added {n}.',
  'staff.rewardIssued': 'Reward ready: {title}!',
  'staff.redeemed': 'Redeemed: {title}',
  'staff.undone': 'The last action was undone.',
  'staff.working': 'Saving …',
  'staff.waiting': 'Ready to scan the next customer.',

  'poster.join': 'Join the club',
  'poster.lead': 'Scan the code with your phone camera. Collect stamps and earn rewards!',
  'poster.orVisit': 'Or go to',
  'poster.print': 'Print the poster',
  'poster.qrAlt': 'QR code to join the club at {store}',
  'poster.unknownStore': 'We could not find this store.',

  'offline.title': 'You are offline',
  'offline.body': 'This page needs the internet. Your member card still works.',
  'offline.showCard': 'Show my card',
  'notFound.title': 'Page not found',
  'notFound.home': 'Go to the front page',

  'err.validation_error': 'Something in the form does not look right. Check the fields and try again.',
  'err.invalid_identifier': 'That does not look like a valid mobile number or e-mail address.',
  'err.terms_required': 'You need to accept the terms to join.',
  'err.code_invalid': { one: 'Wrong code. You have {n} attempt left.', other: 'Wrong code. You have {n} attempts left.' },
  'err.code_invalid_plain': 'Wrong code. Try again.',
  'err.code_expired': 'The code has expired. Ask for a new one.',
  'err.code_used': 'The code has already been used. Ask for a new one.',
  'err.too_many_attempts': 'Too many wrong attempts. Ask for a new code.',
  'err.rate_limited': { one: 'Too many attempts. Try again in {n} second.', other: 'Too many attempts. Try again in {n} seconds.' },
  'err.rate_limited_plain': 'Too many attempts. Wait a little and try again.',
  'err.not_authenticated': 'You are not signed in.',
  'err.forbidden': 'You do not have access to this.',
  'err.not_found': 'We could not find what you were looking for.',
  'err.staff_login_failed': 'Wrong username or password.',
  'err.account_disabled': 'This account is disabled. Contact the owner.',
  'err.qr_invalid': 'Unknown QR code. Ask the customer to open “Show my card” in the app.',
  'err.qr_expired': 'The QR code has expired. Ask the customer to show the card again.',
  'err.qr_replayed': 'This QR code was already used. Ask the customer to wait for a new code.',
  'err.device_unknown': 'The phone is not registered. Ask the customer to sign in to the app again.',
  'err.member_not_found': 'No member found with that number.',
  'err.scan_expired': 'The scan has expired. Scan the customer again.',
  'err.daily_cap_reached': 'This member has reached today’s stamp limit.',
  'err.reward_not_active': 'The reward is no longer active.',
  'err.reward_expired': 'The reward has expired.',
  'err.manual_entry_cannot_redeem': 'Redeeming requires the customer to show the QR code.',
  'err.undo_window_passed': 'It is too late to undo this action.',
  'err.nothing_to_undo': 'There is nothing to undo.',
  'err.idempotency_conflict': 'The request clashed with an earlier one. Start the action again.',
  'err.idempotency_in_flight': 'The previous attempt is still being processed. Wait a moment.',
  'err.csrf': 'Your session went stale. Reload the page and try again.',
  'err.server_error': 'Something went wrong on our side. Try again shortly.',
  'err.generic': 'Something went wrong. Try again.',
  'err.network': 'No internet connection. Check your connection and try again.',
};

const dictionaries = { nb, en };
const LOCALES = { nb: 'nb-NO', en: 'en-GB' };
const listeners = new Set();
let current = readStoredLang() || 'nb';

function readStoredLang() {
  try {
    const v = localStorage.getItem('lang');
    return v === 'nb' || v === 'en' ? v : null;
  } catch { return null; }
}

export function getLang() { return current; }
export function locale() { return LOCALES[current]; }
export function hasStoredLang() { return readStoredLang() !== null; }

export function setLang(lang, { persist = true } = {}) {
  if (!dictionaries[lang]) return;
  current = lang;
  if (persist) { try { localStorage.setItem('lang', lang); } catch { /* private mode */ } }
  document.documentElement.lang = lang;
  for (const fn of listeners) fn(lang);
}

export function onLangChange(fn) { listeners.add(fn); return () => listeners.delete(fn); }

export function t(key, params = {}) {
  let value = dictionaries[current][key] ?? nb[key];
  if (value === undefined) return key;
  if (typeof value === 'object') {
    const rule = new Intl.PluralRules(LOCALES[current]).select(Number(params.n ?? 0));
    value = value[rule] ?? value.other;
  }
  return value.replace(/\{(\w+)\}/g, (m, name) => (name in params ? String(params[name]) : m));
}

// Friendly text for an ApiError (or anything thrown at us).
export function errorMessage(err) {
  const code = err && err.code;
  const body = (err && err.body) || {};
  if (code === 'network') return t('err.network');
  if (code === 'code_invalid') {
    return Number.isInteger(body.attempts_left)
      ? t('err.code_invalid', { n: body.attempts_left }) : t('err.code_invalid_plain');
  }
  if (code === 'rate_limited') {
    const s = Math.ceil(Number(body.retry_after));
    return Number.isFinite(s) && s > 0 ? t('err.rate_limited', { n: s }) : t('err.rate_limited_plain');
  }
  if (code && dictionaries.nb[`err.${code}`]) return t(`err.${code}`);
  if (err && err.status >= 500) return t('err.server_error');
  return t('err.generic');
}

export function formatDate(iso, opts = { day: 'numeric', month: 'long', year: 'numeric' }) {
  const d = iso instanceof Date ? iso : new Date(iso);
  if (Number.isNaN(d.getTime())) return '';
  return new Intl.DateTimeFormat(locale(), { timeZone: 'Europe/Oslo', ...opts }).format(d);
}

export function formatDateTime(iso) {
  return formatDate(iso, { day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit' });
}

document.documentElement.lang = current;
