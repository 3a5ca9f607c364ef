"""What the demo tickets are about: subjects, messages, diagnoses and replies, in Dutch (a few in English)."""

from __future__ import annotations

from dataclasses import dataclass

MANAGED, UNMANAGED, FUNCTIONAL = "managed", "unmanaged", "functional"


@dataclass(frozen=True)
class Story:
    """One kind of ticket and its conversation; placeholders: {first}, {name}, {customer}, {item}."""

    key: str
    support_type: str
    subject: str
    body: str
    diagnosis: str
    done: str  # the closing reply
    matrix: str | None = None  # the service matrix item it is about (managed stories)
    priority: str = "standard"  # what the reporter asks for on the portal or the phone
    urgent: bool = False  # may come in on the after-hours line, or be a critical incident
    question: str = ""  # the agent asks something; the ticket waits for the customer
    answer: str = ""  # the customer's answer
    progress: str = ""  # a public progress reply on an open ticket
    note: str = ""  # an internal note
    work: tuple[str, ...] = ("Onderzocht en opgelost.",)
    minutes: tuple[int, int] = (15, 60)
    onsite: bool = False  # someone drives to the customer
    quick: bool = False  # a few minutes of work: fair use
    evening: bool = False  # part of the work is done outside office hours, by arrangement
    language: str = "nl"
    customers: tuple[str, ...] = ()  # only for these customers (codes); empty: anyone


STORIES = (
    # -- managed: faults in what the provider delivers -------------------------------------------------------
    Story(
        "outlook-password",
        MANAGED,
        "Outlook vraagt steeds om mijn wachtwoord",
        "Sinds vanochtend vraagt Outlook om de paar minuten om mijn wachtwoord. Als ik het invul, komt de "
        "vraag even later terug. Op mijn telefoon werkt de mail wel gewoon.",
        "Verlopen aanmeldtoken na de wachtwoordwijziging van vorige week; Outlook-profiel houdt het oude token vast.",
        "We hebben de opgeslagen aanmeldgegevens op uw laptop verwijderd en Outlook opnieuw laten aanmelden. "
        "De melding zou niet meer terug moeten komen. Laat het ons weten als dat toch gebeurt.",
        matrix="Microsoft 365",
        question="Kunt u even laten weten of u vorige week uw wachtwoord heeft gewijzigd? En op welke laptop "
        "(het nummer staat op de sticker onderop) speelt het?",
        answer="Ja, ik heb vorige donderdag mijn wachtwoord veranderd. Het is laptop LT-014.",
        note="Zelfde patroon als bij twee andere gebruikers deze week: Credential Manager leegmaken helpt.",
        work=("Aanmeldgegevens gewist, Outlook-profiel opnieuw aangemeld, getest met gebruiker.",),
        minutes=(10, 30),
    ),
    Story(
        "shared-mailbox",
        MANAGED,
        "Gedeelde mailbox info@ niet meer zichtbaar",
        "De gedeelde mailbox info@ staat sinds vandaag niet meer in mijn Outlook. Mijn collega ziet hem nog wel. "
        "Ik moet vandaag nog offertes versturen vanaf dat adres.",
        "Rechten op de gedeelde mailbox ontbraken na het opschonen van de groepen; automapping stond uit.",
        "U heeft weer volledige toegang tot de mailbox info@. Na het herstarten van Outlook staat hij weer in "
        "de lijst met mappen. Versturen namens info@ werkt ook weer.",
        matrix="Microsoft 365",
        priority="high",
        work=("Rechten op gedeelde mailbox hersteld, automapping aangezet, verzenden-als getest.",),
        minutes=(10, 25),
    ),
    Story(
        "vpn-drops",
        MANAGED,
        "VPN-verbinding valt steeds weg",
        "Als ik thuis werk valt de VPN-verbinding ongeveer elk kwartier weg. Daarna moet ik opnieuw inloggen en "
        "ben ik mijn werk in het boekhoudpakket kwijt.",
        "Time-out van de VPN-sessie op de firewall te kort ingesteld na de firmware-update; keepalive stond uit.",
        "De instellingen van de VPN op de firewall zijn aangepast. De verbinding blijft nu ook bij een pauze "
        "actief. Wilt u het morgen thuis nog eens proberen?",
        matrix="Firewall",
        priority="high",
        question="Gebeurt dit ook als u via de hotspot van uw telefoon werkt, of alleen op uw eigen wifi thuis?",
        answer="Ook via mijn telefoon, ik heb het gisteravond geprobeerd. Zelfde probleem.",
        note="Firmware 7.2.4 zet de idle timeout terug naar 900 s. Bij alle klanten met deze versie nalopen.",
        work=("Logboek firewall uitgelezen, sessie-instellingen VPN aangepast, getest met gebruiker.",),
        minutes=(20, 45),
    ),
    Story(
        "internet-flaky",
        MANAGED,
        "Internet valt regelmatig even weg",
        "Meerdere keren per dag is het internet een minuut of twee weg. Dan kunnen we niet pinnen en niet mailen. "
        "Het lijkt vooral 's ochtends te gebeuren.",
        "Defecte poort op de switch waar de router op is aangesloten; pakketverlies en herhaalde link-down.",
        "De router is op een andere poort van de switch aangesloten en de defecte poort is uitgeschakeld. "
        "Sindsdien zien we geen onderbrekingen meer in de monitoring.",
        matrix="Netwerk",
        priority="high",
        note="Monitoring laat 14 korte onderbrekingen zien sinds maandag, telkens link-down op poort 24.",
        work=("Monitoring en switchlogboek geanalyseerd.", "Router omgezet naar andere switchpoort, poort 24 uit."),
        minutes=(20, 50),
        onsite=True,
    ),
    Story(
        "backup-failed",
        MANAGED,
        "Melding: back-up mislukt",
        "We kregen vannacht een e-mail dat de back-up is mislukt. Moeten wij iets doen?",
        "Back-uptaak faalde op een vergrendeld bestand van de boekhouddatabase; snapshotdienst hing.",
        "De snapshotdienst op de server is herstart en de back-up is opnieuw gedraaid, nu met succes. U hoeft "
        "zelf niets te doen; we houden de komende nachten in de gaten of het goed blijft gaan.",
        matrix="Back-up",
        work=("Back-uplogboek nagelopen, snapshotdienst herstart, handmatige back-up gecontroleerd.",),
        minutes=(15, 40),
    ),
    Story(
        "restore-file",
        MANAGED,
        "Map per ongeluk verwijderd, kan hij terug?",
        "Ik heb per ongeluk de map 'Offertes 2026' van de gedeelde schijf verwijderd. Hij staat niet meer in de "
        "prullenbak. Kunnen jullie hem terugzetten? Gisteren stond hij er nog.",
        "Map verwijderd door gebruiker; versie van afgelopen nacht aanwezig in de back-up.",
        "De map 'Offertes 2026' is teruggezet vanuit de back-up van afgelopen nacht, op de oude plek. Wijzigingen "
        "van vandaag na 02:00 uur zitten er niet in; wilt u dat even controleren?",
        matrix="Back-up",
        priority="high",
        work=("Map teruggezet uit back-up van afgelopen nacht, rechten gecontroleerd.",),
        minutes=(15, 35),
    ),
    Story(
        "laptop-no-boot",
        MANAGED,
        "Laptop start niet meer op",
        "Mijn laptop blijft hangen op het logo en start daarna opnieuw op. Dat gaat zo maar door. Ik kan nu niet "
        "werken.",
        "SSD defect (SMART-fouten); Windows kan de opstartpartitie niet lezen.",
        "De SSD van uw laptop was defect en is vervangen. Windows en uw programma's zijn opnieuw geïnstalleerd; "
        "uw bestanden stonden in OneDrive en zijn weer gesynchroniseerd. Controleert u even of alles er is?",
        matrix="Werkplekken",
        priority="high",
        progress="We hebben een nieuwe SSD besteld; die is morgen binnen. Tot die tijd kunt u de reservelaptop "
        "gebruiken die we vanmiddag komen brengen.",
        note="Garantie loopt nog tot maart; SSD via leverancier onder garantie aangevraagd.",
        work=("Diagnose op locatie, SSD vervangen, Windows en software teruggezet.",),
        minutes=(45, 120),
        onsite=True,
    ),
    Story(
        "wifi-meeting-room",
        MANAGED,
        "Wifi in de vergaderruimte erg traag",
        "In de vergaderruimte achterin is de wifi zo traag dat Teams-gesprekken steeds haperen. Bij de balie is "
        "het prima.",
        "Accesspoint in de vergaderruimte valt terug op 2,4 GHz door een verkeerd kanaalplan; storing van buren.",
        "Het kanaalplan van de accesspoints is aangepast en het accesspoint in de vergaderruimte gebruikt weer "
        "5 GHz. Een snelheidstest haalt nu ruim 200 Mbit/s.",
        matrix="Netwerk",
        work=("Wifi-meting uitgevoerd, kanaalplan aangepast, accesspoint geherconfigureerd.",),
        minutes=(30, 75),
        onsite=True,
    ),
    Story(
        "no-dial-tone",
        MANAGED,
        "Telefoons geven geen kiestoon",
        "Geen enkel toestel werkt meer: geen kiestoon en klanten krijgen een ingesprektoon. We zijn nu onbereikbaar!",
        "Registratie van alle toestellen bij de hosted centrale mislukt: SIP-ALG op de firewall weer aangezet "
        "door de update van vanochtend.",
        "SIP-ALG op de firewall is uitgezet; alle toestellen zijn weer aangemeld en u bent weer bereikbaar. "
        "Excuses voor het ongemak: de oorzaak lag bij onze update.",
        matrix="VoIP-telefonie",
        priority="direct",
        urgent=True,
        note="Oorzaak: onze firmware-update van 07:00. Changeprocedure aanpassen: SIP-ALG controleren na update.",
        work=("Storing geanalyseerd, SIP-ALG uitgezet, registratie alle toestellen gecontroleerd.",),
        minutes=(30, 60),
    ),
    Story(
        "teams-audio",
        MANAGED,
        "Geen geluid in Teams-vergaderingen",
        "Ik hoor niemand in Teams-vergaderingen en ze horen mij ook niet. Mijn headset werkt wel bij YouTube.",
        "Teams gebruikte het ingebouwde audioapparaat na een driver-update; standaardapparaat aangepast.",
        "In Teams stond het verkeerde audioapparaat ingesteld. Dat hebben we aangepast en een testgesprek "
        "werkte. U kunt weer vergaderen.",
        matrix="Microsoft 365",
        work=("Via remote sessie audio-instellingen Teams aangepast en testgesprek gevoerd.",),
        minutes=(10, 25),
    ),
    Story(
        "server-slow",
        MANAGED,
        "Server erg traag",
        "Bestanden openen op de S-schijf duurt sinds gisteren heel lang, soms wel een minuut. Iedereen heeft er "
        "last van.",
        "Schijf van de server voor 97% vol door een achtergebleven logbestand van de antivirus; indexering traag.",
        "Op de server stond een logbestand van 180 GB dat niet meer werd opgeruimd. Dat is verwijderd en er is een "
        "opruimtaak ingesteld. Bestanden openen gaat weer vlot.",
        matrix="Server",
        priority="high",
        note="Antivirus-log rotatie stond uit sinds de herinstallatie in september.",
        work=("Schijfgebruik geanalyseerd, log opgeschoond, opruimtaak ingericht.",),
        minutes=(30, 60),
        evening=True,
    ),
    Story(
        "scan-to-mail",
        MANAGED,
        "Scannen naar e-mail werkt niet meer",
        "De multifunctional op de tweede verdieping scant niet meer naar e-mail. Hij geeft 'verzenden mislukt'.",
        "SMTP-relay-wachtwoord van de multifunctional verlopen; Microsoft 365 weigert de aanmelding.",
        "De multifunctional gebruikt nu de nieuwe relay-instellingen en scannen naar e-mail werkt weer. "
        "We hebben het op alle drie de locaties getest.",
        matrix="Multifunctionals",
        customers=("stichting-dienstverlening-rivierenland",),
        work=("Relay-instellingen van de multifunctionals bijgewerkt en getest.",),
        minutes=(20, 45),
    ),
    Story(
        "office-offline",
        MANAGED,
        "Hele kantoor zonder internet",
        "Niemand heeft nog internet, ook de telefoons werken niet. Het lampje op de router brandt rood.",
        "Firewall in storing na stroomonderbreking; configuratie beschadigd, terugvallen op back-upconfiguratie.",
        "De firewall is hersteld met de configuratie van vorige week. Internet en telefonie werken weer. We "
        "houden de verbinding vandaag extra in de gaten.",
        matrix="Firewall",
        priority="direct",
        urgent=True,
        note="Stroomstoring in het pand om 08:40; UPS voor de netwerkkast adviseren.",
        work=("Firewall op afstand niet bereikbaar; op locatie configuratie teruggezet en getest.",),
        minutes=(45, 90),
        onsite=True,
    ),
    Story(
        "phishing-click",
        MANAGED,
        "Op een link in een verdachte mail geklikt",
        "Ik heb op een link geklikt in een mail over een pakketje, en daar mijn wachtwoord ingevuld. Achteraf "
        "vertrouw ik het niet. Wat moet ik doen?",
        "Phishing: inloggegevens ingevuld op valse site. Geen verdachte aanmeldingen gevonden in de aanmeldlogs.",
        "We hebben uw wachtwoord opnieuw ingesteld, alle sessies afgemeld en de aanmeldingen van de afgelopen "
        "dagen gecontroleerd: er is niet door anderen ingelogd. Goed dat u het meteen meldde!",
        matrix="Microsoft 365",
        priority="high",
        urgent=True,
        note="Afzenderdomein geblokkeerd in de spamfilter van alle klanten.",
        work=("Wachtwoord gereset, sessies ingetrokken, aanmeldlogs en regels in mailbox gecontroleerd.",),
        minutes=(20, 45),
    ),
    Story(
        "chromebooks-login",
        MANAGED,
        "Leerlingen kunnen niet inloggen op Chromebooks",
        "In groep 7 en 8 kunnen de leerlingen niet meer inloggen op de Chromebooks. Ze krijgen 'dit apparaat "
        "is vergrendeld door de beheerder'.",
        "Chromebooks door een beleidswijziging in de Admin-console in de verkeerde organisatie-eenheid gezet.",
        "De Chromebooks staan weer in de juiste groep en de leerlingen kunnen inloggen. Het kan tot een "
        "herstart van het apparaat duren voordat het overal werkt.",
        matrix="Chromebookbeheer",
        priority="high",
        customers=("stichting-onderwijs-eemland",),
        work=("Organisatie-eenheden in Admin-console gecorrigeerd, beleid opnieuw gepusht.",),
        minutes=(15, 40),
    ),
    Story(
        "digiboard",
        MANAGED,
        "Digibord in groep 5 geeft geen beeld",
        "Het digibord in groep 5 geeft geen beeld meer van de laptop. Het bord zelf gaat wel aan.",
        "HDMI-kabel in de wandgoot beschadigd; met vervangende kabel werkt het beeld weer.",
        "De HDMI-kabel naar het digibord was kapot en is vervangen. Het bord werkt weer met de laptop.",
        matrix="Digiborden",
        customers=("stichting-onderwijs-eemland",),
        work=("Op locatie kabel doorgemeten en HDMI-kabel vervangen.",),
        minutes=(30, 60),
        onsite=True,
    ),
    Story(
        "planning-server",
        MANAGED,
        "Planningsserver niet bereikbaar",
        "Het planningspakket start niet: 'kan geen verbinding maken met de server'. De chauffeurs staan te "
        "wachten op hun ritten!",
        "Databaseservice op de planningsserver gestopt na automatische Windows-update; service start niet automatisch.",
        "De databaseservice op de planningsserver is gestart en staat nu op automatisch starten. Het "
        "planningspakket werkt weer; de ritten van vandaag zijn verstuurd.",
        matrix="Planningsserver",
        priority="direct",
        urgent=True,
        customers=("transport-hoekstra",),
        note="Update-venster van de planningsserver verplaatsen naar zaterdagnacht.",
        work=("Service gestart, opstarttype aangepast, updatebeleid gewijzigd.",),
        minutes=(20, 45),
    ),
    Story(
        "xray-save",
        MANAGED,
        "Röntgenfoto's worden niet opgeslagen",
        "De röntgensoftware kan de foto's niet meer opslaan in het patiëntendossier. We hebben vandaag nog "
        "twaalf patiënten.",
        "Netwerkshare voor de beelden niet bereikbaar: wachtwoord van het serviceaccount verlopen.",
        "Het serviceaccount van de röntgensoftware heeft een nieuw wachtwoord dat niet meer verloopt. Foto's "
        "worden weer opgeslagen; de foto's van vanochtend zijn alsnog in de dossiers gezet.",
        matrix="Röntgenwerkstation",
        priority="direct",
        urgent=True,
        customers=("tandartspraktijk-de-glimlach",),
        work=("Serviceaccount hersteld, share-koppeling getest, foto's van vanochtend nagezet.",),
        minutes=(25, 50),
    ),
    Story(
        "firewall-update",
        MANAGED,
        "Verzoek: firmware-update firewall buiten kantoortijd",
        "Jullie gaven aan dat de firewall een update nodig heeft. Kan dat buiten kantoortijd, zodat we er geen "
        "last van hebben?",
        "Firmware bevat een beveiligingsupdate; gepland buiten kantoortijd in overleg met de klant.",
        "De firmware van de firewall is bijgewerkt. Alles is na de update gecontroleerd: internet, VPN en "
        "telefonie werken.",
        matrix="Firewall",
        note="Klant is gewezen op het avondtarief; akkoord per mail van de hoofdcontactpersoon.",
        work=("Firmware-update uitgevoerd en na afloop VPN, internet en telefonie getest.",),
        minutes=(45, 90),
        evening=True,
    ),
    # -- unmanaged: faults in things the provider does not deliver --------------------------------------------
    Story(
        "home-printer",
        UNMANAGED,
        "Printer thuis werkt niet met werklaptop",
        "Mijn eigen printer thuis wil niet printen vanaf mijn werklaptop. Hij staat wel in de lijst maar er "
        "komt niets uit.",
        "Driver van de thuisprinter ontbrak; standaarddriver gaf een wachtrijfout.",
        "We hebben de juiste driver voor uw printer geïnstalleerd en een testpagina geprint. Het werkt weer.",
        question="Wat is het merk en type van uw printer thuis?",
        answer="Het is een HP OfficeJet 8015.",
        work=("Via remote sessie printerdriver geïnstalleerd en testpagina geprint.",),
        minutes=(15, 30),
    ),
    Story(
        "till-error",
        UNMANAGED,
        "Kassasysteem geeft foutmelding bij opstarten",
        "De kassa in de winkel geeft bij het opstarten 'database niet gevonden'. De leverancier van de kassa is "
        "pas morgen bereikbaar.",
        "Kassa zoekt de database via een netwerkpad dat na het vervangen van de switch een ander adres kreeg.",
        "De kassa had een vast netwerkadres nodig dat na de vervanging van de switch was veranderd. Dat is "
        "hersteld en de kassa start weer. Voor de kassasoftware zelf blijft de leverancier uw aanspreekpunt.",
        priority="high",
        urgent=True,
        customers=("bakkerij-van-der-linden",),
        work=("Netwerkinstellingen kassa-pc hersteld, vaste IP-reservering aangemaakt.",),
        minutes=(20, 45),
    ),
    Story(
        "pin-terminal",
        UNMANAGED,
        "Pinautomaat offline",
        "De pinautomaat zegt 'geen verbinding met de host'. Klanten kunnen niet pinnen, alleen contant!",
        "Pinterminal kreeg geen adres meer van de router: DHCP-pool vol door gastapparaten.",
        "De pinterminal heeft nu een vast adres en de gastwifi een eigen adresbereik. Pinnen werkt weer.",
        priority="direct",
        urgent=True,
        customers=("bakkerij-van-der-linden",),
        work=("DHCP-pool vergroot, vaste reservering voor pinterminal, gastnetwerk gescheiden.",),
        minutes=(20, 40),
    ),
    Story(
        "accounting-link",
        UNMANAGED,
        "Koppeling boekhoudpakket met bank geeft fout",
        "De bankkoppeling in ons boekhoudpakket geeft sinds maandag een certificaatfout. Ik kan geen "
        "afschriften meer inlezen.",
        "Certificaat van de bankkoppeling verlopen; vernieuwen moet via het portaal van de softwareleverancier.",
        "Het certificaat is samen met de leverancier van het boekhoudpakket vernieuwd. De afschriften van deze "
        "week zijn ingelezen.",
        customers=("verbeek-de-groot", "transport-hoekstra"),
        question="Heeft u de inloggegevens van het portaal van de leverancier? Die hebben we nodig om het "
        "certificaat te vernieuwen.",
        answer="Ik heb ze net in een apart bericht gestuurd, via de beveiligde link.",
        work=("Met leverancier het certificaat vernieuwd en de koppeling getest.",),
        minutes=(30, 60),
    ),
    Story(
        "private-phone-mail",
        UNMANAGED,
        "Werkmail komt niet binnen op privételefoon",
        "Op mijn eigen telefoon komt mijn werkmail niet meer binnen. Ik gebruik de standaard mail-app van Samsung.",
        "Mail-app ondersteunt geen moderne authenticatie; Outlook-app is de ondersteunde oplossing.",
        "De standaard mail-app van uw telefoon werkt niet meer met de beveiliging van Microsoft 365. We hebben "
        "u geholpen de Outlook-app te installeren; daarin komt uw mail wel binnen.",
        work=("Telefonisch begeleid bij installatie Outlook-app.",),
        minutes=(10, 25),
    ),
    Story(
        "beamer",
        UNMANAGED,
        "Beamer in het speellokaal doet het niet",
        "De beamer in het speellokaal gaat niet meer aan. Het lampje knippert oranje.",
        "Lamp van de beamer aan het einde van de levensduur; beamer valt niet onder het beheer.",
        "De lamp van de beamer was op. We hebben een nieuwe lamp geplaatst; de lamp wordt apart gefactureerd.",
        customers=("stichting-onderwijs-eemland",),
        work=("Beamer onderzocht en lamp vervangen.",),
        minutes=(20, 40),
        onsite=True,
    ),
    Story(
        "old-nas",
        UNMANAGED,
        "Oude NAS van de administratie piept",
        "De oude opslagkast in de kast van de administratie piept al twee dagen. Hij valt niet onder jullie "
        "beheer, maar kunnen jullie kijken?",
        "Een van de twee schijven van de NAS is defect; RAID-set gedegradeerd.",
        "Een schijf van de NAS was defect en is vervangen; de NAS bouwt zich nu opnieuw op. Advies: zet de "
        "gegevens over naar de beheerde server, zodat ze ook in de back-up zitten.",
        priority="high",
        progress="De NAS draait nog op één schijf. We hebben een vervangende schijf besteld; tot die tijd graag "
        "geen grote bestanden meer opslaan.",
        work=("NAS-logboek uitgelezen, schijf vervangen, rebuild gestart.",),
        minutes=(30, 60),
        onsite=True,
    ),
    Story(
        "website-slow",
        UNMANAGED,
        "Onze website is erg traag",
        "Onze website laadt al een paar dagen heel traag, soms 20 seconden. De site staat bij een externe "
        "hostingpartij.",
        "Hosting-pakket overschreden: de site draait op gedeelde hosting met limiet op processen.",
        "De traagheid komt door de limieten van uw hostingpakket. We hebben de hostingpartij gevraagd het pakket "
        "te verhogen; sindsdien laadt de site weer binnen twee seconden.",
        work=("Laadtijden gemeten, contact met hostingpartij over pakket.",),
        minutes=(20, 45),
    ),
    Story(
        "tacho-install",
        UNMANAGED,
        "Software tachograaf uitlezen installeren",
        "We hebben nieuwe software gekregen om de tachografen uit te lezen. Kunnen jullie die installeren op de "
        "pc in de kantine?",
        "Installatie nieuwe tachograafsoftware op niet-beheerde pc; kaartlezer-driver vereist.",
        "De tachograafsoftware en de driver voor de kaartlezer zijn geïnstalleerd. Het uitlezen van een "
        "chauffeurskaart is getest.",
        customers=("transport-hoekstra",),
        work=("Software en kaartlezer-driver geïnstalleerd, uitlezen getest.",),
        minutes=(30, 60),
    ),
    Story(
        "usb-scanner",
        UNMANAGED,
        "Scanner bij de balie wordt niet herkend",
        "De losse scanner bij de balie wordt niet meer herkend sinds de laptop een update kreeg.",
        "Oude TWAIN-driver van de scanner werkt niet met de nieuwe Windows-versie; nieuwe driver beschikbaar.",
        "Er is een nieuwe driver voor de scanner geïnstalleerd. Scannen vanuit het programma werkt weer.",
        work=("Nieuwe scannerdriver geïnstalleerd en getest.",),
        minutes=(15, 30),
    ),
    # -- functional: accounts, how-to, small changes -------------------------------------------------------
    Story(
        "password-reset",
        FUNCTIONAL,
        "Wachtwoord vergeten",
        "Ik ben na de vakantie mijn wachtwoord vergeten. Kunnen jullie het resetten?",
        "Wachtwoord vergeten; identiteit gecontroleerd via terugbelnummer.",
        "Uw wachtwoord is gereset. U krijgt het tijdelijke wachtwoord per sms; bij de eerste aanmelding kiest u "
        "zelf een nieuw wachtwoord.",
        work=("Identiteit gecontroleerd, wachtwoord gereset.",),
        quick=True,
    ),
    Story(
        "signature",
        FUNCTIONAL,
        "Handtekening in Outlook aanpassen",
        "Mijn functie is veranderd. Kunnen jullie mijn handtekening onder de mail aanpassen? Nieuwe functie: "
        "senior medewerker.",
        "Handtekening wordt centraal beheerd; functie aangepast in het profiel.",
        "Uw functie is aangepast; de nieuwe handtekening staat vanaf uw volgende mail onder uw berichten.",
        work=("Functie in profiel aangepast, handtekening gecontroleerd.",),
        quick=True,
    ),
    Story(
        "shortcut",
        FUNCTIONAL,
        "Snelkoppeling naar gedeelde map op bureaublad",
        "Kunnen jullie een snelkoppeling naar de map Planning op mijn bureaublad zetten? Ik moet nu steeds zoeken.",
        "Verzoek snelkoppeling; uitgerold via het beheerprofiel.",
        "De snelkoppeling naar de map Planning staat op uw bureaublad, na opnieuw aanmelden.",
        work=("Snelkoppeling via beheerprofiel uitgerold.",),
        quick=True,
    ),
    Story(
        "out-of-office",
        FUNCTIONAL,
        "Hoe zet ik een afwezigheidsmelding aan?",
        "Ik ga twee weken op vakantie. Hoe zet ik een afwezigheidsmelding aan in Outlook?",
        "Uitleg gevraagd over automatische antwoorden.",
        "In Outlook gaat u naar Bestand > Automatische antwoorden. Daar kunt u de periode en de tekst instellen, "
        "apart voor collega's en voor externe afzenders. Fijne vakantie!",
        work=("Uitleg automatische antwoorden gegeven.",),
        quick=True,
    ),
    Story(
        "share-calendar",
        FUNCTIONAL,
        "Agenda delen met collega",
        "Mijn collega moet mijn agenda kunnen bijhouden. Hoe kan ik die delen zodat ze ook afspraken kan maken?",
        "Uitleg agendamachtiging; rechten op verzoek ingesteld.",
        "We hebben uw collega gemachtigd: zij kan nu uw agenda inzien en afspraken maken. Zij ziet uw agenda "
        "in Outlook onder 'Gedeelde agenda's'.",
        work=("Agendamachtiging ingesteld.",),
        quick=True,
    ),
    Story(
        "new-employee",
        FUNCTIONAL,
        "Nieuwe medewerker per 1 december",
        "Per 1 december komt er een nieuwe collega, Daan Vos. Hij heeft een account, een mailadres en toegang "
        "tot de gedeelde mappen nodig, net als zijn collega's op de administratie.",
        "Verzoek nieuw account; rechten gelijk aan afdeling administratie.",
        "Het account van Daan Vos is aangemaakt, met mailadres, licentie en dezelfde rechten als de "
        "administratie. De inloggegevens liggen klaar; wilt u ze op zijn eerste dag aan hem geven?",
        question="Heeft Daan ook een laptop nodig, of gebruikt hij een bestaande werkplek?",
        answer="Hij gebruikt de werkplek van Jolanda, die met pensioen is gegaan.",
        work=("Account, licentie en groepslidmaatschappen aangemaakt; werkplek voorbereid.",),
        minutes=(25, 50),
    ),
    Story(
        "leaver",
        FUNCTIONAL,
        "Account uitschakelen: medewerker uit dienst",
        "Onze collega Marco de Bruin is per vandaag uit dienst. Kunnen jullie zijn account blokkeren en zijn mail "
        "doorsturen naar mij?",
        "Uitdienstprocedure; mailbox omzetten naar gedeelde mailbox.",
        "Het account van Marco de Bruin is geblokkeerd en zijn mailbox is omgezet naar een gedeelde mailbox "
        "waar u toegang toe heeft. De licentie is vrijgegeven.",
        priority="high",
        work=("Account geblokkeerd, mailbox omgezet, licentie vrijgegeven.",),
        minutes=(15, 30),
    ),
    Story(
        "onedrive-external",
        FUNCTIONAL,
        "Map delen met externe partij via OneDrive",
        "Hoe kan ik een map met de accountant van een klant delen zonder dat hij bij de rest kan?",
        "Uitleg delen met externen via specifieke personen-link.",
        "Klik in OneDrive met de rechtermuisknop op de map, kies 'Delen' en dan 'Specifieke personen'. Vul het "
        "mailadres in; alleen die persoon kan de map openen. We hebben het samen met u getest.",
        work=("Uitleg delen met externen, samen getest.",),
        minutes=(10, 25),
    ),
    Story(
        "excel-macro",
        FUNCTIONAL,
        "Excel-macro werkt niet meer",
        "Onze urenstaat in Excel geeft een foutmelding bij het openen: 'macro's zijn geblokkeerd'.",
        "Macro's uit bestanden van internet worden geblokkeerd; bestand moet op een vertrouwde locatie staan.",
        "De map met de urenstaat is toegevoegd aan de vertrouwde locaties. De macro's werken weer.",
        work=("Vertrouwde locatie ingesteld en macro getest.",),
        minutes=(10, 30),
    ),
    Story(
        "mfa-new-phone",
        FUNCTIONAL,
        "Nieuwe telefoon: Authenticator overzetten",
        "Ik heb een nieuwe telefoon. Hoe krijg ik de Authenticator-app weer werkend voor het inloggen?",
        "Nieuwe telefoon; MFA-registratie opnieuw nodig.",
        "We hebben uw oude registratie verwijderd. Bij de volgende aanmelding vraagt Microsoft u de "
        "Authenticator-app op uw nieuwe telefoon te koppelen; volg de stappen op het scherm.",
        priority="high",
        work=("MFA-methoden gereset, gebruiker begeleid bij nieuwe registratie.",),
        minutes=(10, 20),
    ),
    # -- in English, for contacts who prefer it -------------------------------------------------------------
    Story(
        "en-remote-drive",
        MANAGED,
        "Cannot reach the shared drive from home",
        "Since this morning I cannot open the S: drive when I work from home. The VPN says it is connected.",
        "VPN split-tunnel route for the file server missing after the firewall change of Monday.",
        "The route to the file server was missing from the VPN settings. We have added it again; after "
        "reconnecting the VPN you can open the S: drive from home.",
        matrix="Firewall",
        priority="high",
        language="en",
        work=("VPN route restored and tested with the user.",),
        minutes=(15, 40),
    ),
    Story(
        "en-password",
        FUNCTIONAL,
        "Password reset needed",
        "I am locked out of my account after too many attempts. Could you reset my password, please?",
        "Account locked after failed sign-ins; identity verified by call-back.",
        "Your account is unlocked and your password has been reset. You will receive a temporary password by "
        "text message and choose a new one when you sign in.",
        language="en",
        work=("Identity checked, account unlocked, password reset.",),
        quick=True,
    ),
    Story(
        "en-keyboard",
        MANAGED,
        "Laptop keyboard stopped working",
        "Several keys on my laptop keyboard do not work any more (E, R and the space bar).",
        "Keyboard defect; laptop under warranty, replacement part ordered.",
        "The keyboard of your laptop has been replaced under warranty. All keys work again.",
        matrix="Werkplekken",
        language="en",
        progress="A replacement keyboard has been ordered under warranty. Until it arrives you can use the USB "
        "keyboard we dropped off.",
        work=("Diagnosis and keyboard replaced on site.",),
        minutes=(30, 60),
        onsite=True,
    ),
    Story(
        "en-teams-share",
        FUNCTIONAL,
        "How do I share my screen in Teams?",
        "In a Teams meeting with a customer I could not find how to share only one window. How does that work?",
        "How-to question about sharing a window in Teams.",
        "Click 'Share' at the top of the meeting window and choose the window you want under 'Window'. The "
        "others then only see that window.",
        language="en",
        question="Do you use the new Teams or the classic version? The buttons are in a different place.",
        answer="It says 'new Teams' at the top left.",
        work=("Explained screen sharing in Teams.",),
        quick=True,
    ),
)

# Texts the agents use for classification, by situation.
CONFIRM_REASONS = (
    "Soort support en prioriteit gecontroleerd: klopt.",
    "Beoordeeld: juiste soort support.",
    "Classificatie bevestigd.",
)
RETYPE_REASONS = {
    "managed": "Het gaat om een dienst uit uw dienstenmatrix: technisch support op door ons geleverde diensten.",
    "unmanaged": "Dit valt niet onder uw dienstenmatrix: technisch support op niet door ons geleverde diensten.",
    "functional": "Dit is een gebruikersvraag en geen storing: functioneel support.",
}
RAISE_REASON = "Meerdere medewerkers kunnen niet werken; in overleg met de klant prioriteit Hoog."
CRITICAL_REASON = "Kritische storing: de hele organisatie kan niet werken. Wordt direct en kosteloos opgepakt."

# Internal notes agents leave on tickets whose story has none of its own.
NOTES = (
    "Klant gebeld, geen gehoor. Voicemail ingesproken; morgen opnieuw proberen.",
    "Vergelijkbare melding vorige maand bij deze klant; zie de eerdere tickets.",
    "Remote sessie gepland na de lunch, klant is vanochtend in overleg.",
    "Navraag gedaan bij de leverancier; antwoord verwacht binnen een dag.",
)

# Short things customers add to an open ticket.
NUDGES = (
    "Is hier al iets over bekend? We hebben er nog steeds last van.",
    "Nog een aanvulling: het gebeurt ook bij mijn collega.",
    "Ik ben morgen vanaf 8 uur op kantoor, bel gerust.",
)
NUDGES_EN = (
    "Any news on this? We are still affected.",
    "One more thing: my colleague has the same problem.",
    "I am in the office tomorrow from 8, feel free to call.",
)
THANKS = (
    "Het werkt weer, bedankt voor de snelle hulp!",
    "Top, dank jullie wel.",
    "Bedankt, alles doet het weer.",
)
THANKS_EN = ("Works again, thanks a lot!", "Thank you, all good now.")
