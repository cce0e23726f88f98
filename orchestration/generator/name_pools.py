"""Word pools for synthetic people and places. Surnames are ordered by US frequency (weights ~ 1/rank)."""

from __future__ import annotations


def _words(text: str) -> tuple[str, ...]:
    """Space-separated word lists keep this data file short."""
    return tuple(text.split())


FEMALE_FIRST = _words(
    "Mary Patricia Jennifer Linda Elizabeth Barbara Susan Jessica Sarah Karen Lisa Nancy Betty "
    "Sandra Margaret Ashley Kimberly Emily Donna Michelle Carol Amanda Melissa Deborah Stephanie "
    "Dorothy Rebecca Sharon Laura Cynthia Amy Kathleen Angela Shirley Brenda Emma Anna Pamela "
    "Nicole Samantha Katherine Christine Helen Debra Rachel Carolyn Janet Maria Catherine Heather "
    "Diane Olivia Julie Joyce Victoria Ruth Virginia Lauren Kelly Christina Joan Evelyn Judith "
    "Andrea Hannah Megan Cheryl Jacqueline Martha Madison Teresa Gloria Sara Janice Ann Kathryn "
    "Abigail Sophia Frances Jean Alice Judy Isabella Julia Grace Amber Denise Danielle Marilyn "
    "Beverly Charlotte Natalie Theresa Diana Brittany Doris Kayla Alexis Lori Marie Guadalupe "
    "Rosa Veronica Yolanda Alejandra Priya Mei Aaliyah Valeria Ximena"
)
MALE_FIRST = _words(
    "James Robert John Michael David William Richard Joseph Thomas Christopher Charles Daniel "
    "Matthew Anthony Mark Donald Steven Andrew Paul Joshua Kenneth Kevin Brian George Timothy "
    "Ronald Jason Edward Jeffrey Ryan Jacob Gary Nicholas Eric Jonathan Stephen Larry Justin "
    "Scott Brandon Benjamin Samuel Gregory Alexander Patrick Frank Raymond Jack Dennis Jerry "
    "Tyler Aaron Jose Adam Nathan Henry Zachary Douglas Peter Kyle Noah Ethan Jeremy Walter "
    "Christian Keith Roger Terry Austin Sean Gerald Carl Harold Dylan Arthur Lawrence Jordan "
    "Jesse Bryan Billy Bruce Gabriel Joe Logan Alan Juan Albert Willie Elijah Wayne Randy Vincent "
    "Mason Roy Ralph Bobby Russell Bradley Philip Eugene Carlos Luis Miguel Jesus Ricardo Hector "
    "Raj Wei Tuan Darnell Andre"
)
SURNAMES = _words(
    "Smith Johnson Williams Brown Jones Garcia Miller Davis Rodriguez Martinez Hernandez Lopez "
    "Gonzalez Wilson Anderson Thomas Taylor Moore Jackson Martin Lee Perez Thompson White Harris "
    "Sanchez Clark Ramirez Lewis Robinson Walker Young Allen King Wright Scott Torres Nguyen Hill "
    "Flores Green Adams Nelson Baker Hall Rivera Campbell Mitchell Carter Roberts Gomez Phillips "
    "Evans Turner Diaz Parker Cruz Edwards Collins Reyes Stewart Morris Morales Murphy Cook "
    "Rogers Gutierrez Ortiz Morgan Cooper Peterson Bailey Reed Kelly Howard Ramos Kim Cox Ward "
    "Richardson Watson Brooks Chavez Wood James Bennett Gray Mendoza Ruiz Hughes Price Alvarez "
    "Castillo Sanders Patel Myers Long Ross Foster Jimenez Powell Jenkins Perry Russell Sullivan "
    "Bell Coleman Butler Henderson Barnes Gonzales Fisher Vasquez Simmons Romero Jordan Patterson "
    "Alexander Hamilton Graham Reynolds Griffin Wallace Moreno West Cole Hayes Bryant Herrera "
    "Gibson Ellis Tran Medina Aguilar Stevens Murray Ford Castro Marshall Owens Harrison "
    "Fernandez McDonald Woods Washington Kennedy Wells Vargas Henry Chen Freeman Webb Tucker "
    "Guzman Burns Crawford Olson Simpson Porter Hunter Gordon Mendez Silva Shaw Snyder Mason "
    "Dixon Munoz Hunt Hicks Holmes Palmer Wagner Black Robertson Boyd Rose Stone Salazar Fox "
    "Warren Mills Meyer Rice Schmidt Garza Daniels Ferguson Nichols Stephens Soto Weaver Ryan "
    "Gardner Payne Grant Dunn Kelley Spencer Hawkins Arnold Pierce Vazquez Hansen Peters Santos "
    "Hart Bradley Knight Elliott Cunningham Duncan Armstrong Hudson Carroll Lane Riley Andrews "
    "Alvarado Ray Delgado Berry Perkins Hoffman Johnston Matthews Pena Richards Contreras Willis "
    "Carpenter Lawrence Sandoval O'Brien Okafor Nakamura Kowalski Schneider Dubois Fitzgerald "
    "McAllister Cruz"
)

STREETS = (
    "Main St",
    "Oak St",
    "Pecan St",
    "Maple Ave",
    "Cedar Ln",
    "Elm St",
    "Park Blvd",
    "Lakeview Dr",
    "Hillcrest Rd",
    "Mesquite Trl",
    "Bluebonnet Ln",
    "Ranch Rd 620",
    "Riverside Dr",
    "Sunset Blvd",
    "Willow Creek Dr",
    "Brodie Ln",
    "Parmer Ln",
    "Cypress Creek Rd",
    "Windsor Rd",
    "Spring Valley Dr",
    "Magnolia Ave",
    "Live Oak St",
    "Meadow Ln",
    "Ridgeline Blvd",
    "Cottonwood Dr",
    "Highland Ave",
    "Lamar Blvd",
    "Congress Ave",
    "Burnet Rd",
    "Anderson Mill Rd",
    "Pleasant Valley Rd",
    "Pine St",
)
UNIT = ("", "", "", "", "Apt 2B", "Apt 114", "Unit 7", "Ste 300", "#12", "Apt 1203")

EMAIL_DOMAINS = (
    ("gmail.com", 48),
    ("yahoo.com", 14),
    ("outlook.com", 8),
    ("hotmail.com", 8),
    ("icloud.com", 9),
    ("aol.com", 3),
    ("att.net", 3),
    ("comcast.net", 2),
    ("protonmail.com", 1),
    ("austin.rr.com", 2),
)

PRACTICE_WORDS = (
    "Orthopedic Associates",
    "Sports Medicine",
    "Family Medicine",
    "Spine Center",
    "Bone & Joint",
    "Internal Medicine",
    "Neurology Clinic",
    "Women's Health",
    "Primary Care",
    "Orthopaedic Specialists",
    "Foot & Ankle",
    "Medical Group",
    "Health Partners",
    "Pain & Spine",
    "Surgical Associates",
)
PRACTICE_PLACES = (
    "Capital",
    "Hill Country",
    "Lone Star",
    "Central",
    "Westlake",
    "Lakeway",
    "Riverbend",
    "Northwest",
    "Cedar",
    "Summit",
    "Heritage",
    "Oak Hill",
    "Bluebonnet",
    "Pioneer",
    "Canyon",
    "Gateway",
)
CLINIC_SUFFIXES = ("North", "South", "East", "West", "Central", "Downtown", "Uptown", "Midtown", "")
THERAPIST_SPECIALTIES = (
    "orthopedic",
    "post_surgical",
    "sports",
    "spine",
    "pelvic_health",
    "vestibular",
    "neuro",
    "geriatric",
)
